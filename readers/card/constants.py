"""Constants of the SSC profile (ssc-card-profile.md §2, §3)."""

from __future__ import annotations

from dataclasses import dataclass

RID = bytes.fromhex("D156000005")
SSSE_NAME = "sx1.sh.社会保障".encode("gbk")
PSAM_AID = RID + b"\x90"
DF_AIDS = {
    "DF01": RID + b"\x00",  # public data
    "DF02": RID + b"\x01",  # employment
    "DF03": RID + b"\x02",  # social insurance
    "DF04": RID + b"\x03",  # medical insurance
}
MF_FID = 0x3F00

SFI_EF05 = 0x05
SFI_EF06 = 0x06
EF08_MAX_SIZE = 16 * 1024

INS_SELECT = 0xA4
INS_READ_RECORD = 0xB2
INS_READ_BINARY = 0xB0
INS_VERIFY = 0x20
INS_CHANGE_PIN = 0x5E
INS_GET_CHALLENGE = 0x84
INS_INTERNAL_AUTHENTICATE = 0x88
INS_EXTERNAL_AUTHENTICATE = 0x82
# EXTERNAL AUTHENTICATE key ids (profile §3).
KEY_ID_READ = 0x0A  # RKSSSE
KEY_ID_UPDATE = 0x04  # UK
# Process factors, original data and cryptograms are 8 bytes (profile §5).
FACTOR_LENGTH = 8
# [profile] EXTERNAL AUTHENTICATE takes orig ‖ pf from one 16-byte challenge.
EXTERNAL_AUTH_CHALLENGE_LENGTH = 16
CLA_PROPRIETARY = 0x80

DEFAULT_PIN_TRIES = 3
# READ BINARY chunk: fits one short response on every reader we have seen.
PHOTO_CHUNK = 0xF0


@dataclass(frozen=True)
class RecordField:
    """One record of EF05/EF06: its tag and value length (the record is tag|len|value)."""

    tag: int
    length: int


# EF05 — card data
CARD_IDENTIFICATION_CODE = RecordField(0x01, 16)
CARD_TYPE = RecordField(0x02, 1)
SPEC_VERSION = RecordField(0x03, 4)
INITIALISING_ORGANISATION = RecordField(0x04, 12)
ISSUE_DATE = RecordField(0x05, 4)
EXPIRY_DATE = RecordField(0x06, 4)
CARD_NUMBER = RecordField(0x07, 9)

# EF06 — holder data
SOCIAL_SECURITY_NUMBER = RecordField(0x08, 18)
NAME = RecordField(0x09, 30)
NAME_EXTENSION = RecordField(0x4E, 20)
SEX = RecordField(0x0A, 1)
ETHNIC_GROUP = RecordField(0x0B, 1)
BIRTHPLACE = RecordField(0x0C, 3)
BIRTH_DATE = RecordField(0x0D, 4)

ALGORITHM_FLAG_TAG = 0x9F0C
ALGORITHM_FLAG_INNER_TAG = 0x86
