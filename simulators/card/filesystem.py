"""The soft card's fixed file tree (profile §2; the file identifiers are [profile] choices).

MF    3F00
SSSE  DDF1  DDF, name "sx1.sh.社会保障" in GBK
EF05  0005  record file, SFI 05           (under SSSE)
EF06  0006  record file, SFI 06           (under SSSE)
EF08  0008  transparent file, no SFI, 16 KiB: the JPEG from offset 0, then 00 bytes
DF01..DF04  DF01..DF04, AID D1 56 00 00 05 00..03 (under SSSE, empty)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SSSE_NAME = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")
RID = bytes.fromhex("D156000005")
MF_FID = 0x3F00
SSSE_FID = 0xDDF1
EF05_FID = 0x0005
EF06_FID = 0x0006
EF08_FID = 0x0008
RECORD_FILES = (EF05_FID, EF06_FID)
PHOTO_FILE_SIZE = 16 * 1024

FileKind = Literal["DF", "records", "transparent"]


@dataclass(frozen=True)
class CardFile:
    """One file of the card's fixed file tree."""

    fid: int
    parent: int | None
    kind: FileKind
    name: bytes = b""
    sfi: int | None = None


FILES = (
    CardFile(MF_FID, None, "DF"),
    CardFile(SSSE_FID, MF_FID, "DF", SSSE_NAME),
    CardFile(EF05_FID, SSSE_FID, "records", sfi=0x05),
    CardFile(EF06_FID, SSSE_FID, "records", sfi=0x06),
    CardFile(EF08_FID, SSSE_FID, "transparent"),
    *(CardFile(0xDF01 + i, SSSE_FID, "DF", RID + bytes((i,))) for i in range(4)),
)
BY_FID = {f.fid: f for f in FILES}
