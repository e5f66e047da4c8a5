"""The soft social security card: the SSC application of the card profile on a small card OS.

File system (profile §2; file identifiers are project choices, [profile]):

    MF    3F00
    SSSE  DDF1  DDF, name 73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF ("sx1.sh.社会保障")
    EF05  0005  record file, SFI 05           (under SSSE)
    EF06  0006  record file, SFI 06           (under SSSE)
    EF08  0008  transparent file, no SFI, 16 KiB allocated: the JPEG from offset 0,
                then 00 bytes [profile]       (under SSSE)
    DF01..DF04  DF01..DF04, AID D1 56 00 00 05 00..03 (under SSSE, empty)

Commands are those of profile §3. Choices where the profile is silent:

- SELECT by name (P1 04) finds SSSE and DF01-DF04 from anywhere and answers the FCI
  ``6F {84 name, A5 {9F0C 03 86 01 alg}}`` (alg 01 = 3DES on 1.00/2.00, 03 = SM4 on
  3.00). SELECT by FID (P1 00: a child of the current DF, the current DF, its parent or
  the MF; P1 02: an EF of the current DF) answers no data. Only P2 00 is accepted.
- Le: on T=0 a READ RECORD whose Le differs from the record length, or a READ BINARY
  whose Le runs past the end of EF08, answers ``6Cxx`` (xx = the length available); a
  case-4 command with response data answers ``61xx`` and keeps the data for a GET
  RESPONSE that must be the next command. On T=1 a command with Le returns at most Le
  bytes with 9000: shorter data as available, longer data truncated to Le. A command
  that must carry Le and does not (or carries data it must not) answers 6700.
- READ BINARY at an offset at or past the end of EF08 answers 6A86 (wrong P1/P2).
- VERIFY without data asks the PIN state: 9000 verified, 63Cx not verified with x tries
  left, 6983 blocked; it uses no try.
- Writes (UPDATE RECORD, UPDATE BINARY) resolve their target, then answer 6982: the write
  right opened by EXTERNAL AUTHENTICATE does not exist yet. INTERNAL/EXTERNAL
  AUTHENTICATE, RELOAD PIN and UNBLOCK PIN answer 6A88 (the card holds no keys yet).
- Names longer than 30 GBK bytes are split at a character boundary, so tag 09 and tag
  4E each decode on their own; 4E is padded with ``name_padding``.
- Short APDUs only: an extended APDU, or bytes that are no APDU, answer 6700.

Security state (PIN verified, last challenge, current files, a pending GET RESPONSE) is
cleared by power-on, power-off and reset; ``CardMemory`` (records, photo, PIN and its
try counter) is what persists.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Self

from readers.connection import Protocol_
from readers.iso7816 import status
from readers.iso7816.apdu import CommandApdu
from readers.iso7816.codecs import decode_cn, encode_an, encode_cn
from readers.iso7816.errors import FieldCodecError, MalformedApduError, MalformedTlvError
from readers.iso7816.tlv import encode_ber_tlv, encode_simple_tlv, parse_simple_tlv
from simulators.card.os import CardNotPoweredError
from simulators.card.personalisation import (
    DEFAULT_PIN,
    GENERATIONS,
    CardPersonalisation,
    Generation,
)

ATR_PREFIX = bytes.fromhex("3B6D0000")
HISTORICAL_PREFIX = bytes.fromhex("00815353435059")
SSSE_NAME = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")
RID = bytes.fromhex("D156000005")

MF_FID = 0x3F00
SSSE_FID = 0xDDF1
EF05_FID = 0x0005
EF06_FID = 0x0006
EF08_FID = 0x0008
RECORD_FILES = (EF05_FID, EF06_FID)
PHOTO_FILE_SIZE = 16 * 1024

PIN_TRIES = 3
PIN_MIN_BYTES = 2
PIN_MAX_BYTES = 6
PIN_SEPARATOR = 0xFF
CHALLENGE_LENGTHS = (4, 8, 16)
NAME_LENGTH = 30
NAME_EXTENSION_LENGTH = 20

ALGORITHM_3DES = 0x01
ALGORITHM_SM4 = 0x03

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
_BY_FID = {f.fid: f for f in FILES}


def _is_pin_block(data: bytes) -> bool:
    """A PIN as the card takes it: 2-6 bytes BCD, at most one F nibble at the very end."""
    if not PIN_MIN_BYTES <= len(data) <= PIN_MAX_BYTES:
        return False
    try:
        digits = decode_cn(data)
    except FieldCodecError:
        return False
    return len(digits) >= 2 * len(data) - 1


def encode_pin(pin: str) -> bytes:
    """The PIN block the card stores and VERIFY carries: BCD, an odd digit count F-padded."""
    block = encode_cn(pin, (len(pin) + 1) // 2)
    if not _is_pin_block(block):
        raise ValueError(f"a PIN has 3 to 12 digits, got {len(pin)} characters")
    return block


@dataclass
class CardMemory:
    """The card's non-volatile memory: everything that survives power-off.

    ``records`` maps the FID of EF05 and EF06 to their records, each a whole simple TLV;
    ``photo`` is the content of EF08, always PHOTO_FILE_SIZE bytes.
    """

    generation: Generation
    chip_serial: bytes
    city_code: str = "0000"
    records: dict[int, list[bytes]] = field(default_factory=lambda: {f: [] for f in RECORD_FILES})
    photo: bytes = bytes(PHOTO_FILE_SIZE)
    pin: bytes = field(default_factory=lambda: encode_pin(DEFAULT_PIN))
    pin_tries_left: int = PIN_TRIES

    def __post_init__(self) -> None:
        if self.generation not in GENERATIONS:
            raise ValueError(f"unknown spec version {self.generation!r}")
        if len(self.chip_serial) != 4:
            raise ValueError(f"chip serial must be 4 bytes, got {len(self.chip_serial)}")
        if len(self.city_code) != 4 or not (self.city_code.isascii() and self.city_code.isdigit()):
            raise ValueError(f"city code must be 4 digits, got {self.city_code!r}")
        if sorted(self.records) != sorted(RECORD_FILES):
            raise ValueError("records must hold exactly EF05 and EF06")
        for fid, records in self.records.items():
            for number, record in enumerate(records, 1):
                try:
                    parse_simple_tlv(record)
                except MalformedTlvError as exc:
                    raise ValueError(f"EF{fid:02X} record {number}: {exc}") from None
        if len(self.photo) != PHOTO_FILE_SIZE:
            raise ValueError(f"EF08 holds {PHOTO_FILE_SIZE} bytes, got {len(self.photo)}")
        if not _is_pin_block(self.pin):
            raise ValueError("the PIN must be 2-6 bytes of F-padded BCD")
        if not 0 <= self.pin_tries_left <= PIN_TRIES:
            raise ValueError(f"PIN tries left must be 0..{PIN_TRIES}, got {self.pin_tries_left}")


def atr_for(city_code: str, chip_serial: bytes) -> bytes:
    """The profile §3 ATR: 3B 6D 00 00, then 00 81 53 53 43 50 59 + city (BCD) + serial."""
    return ATR_PREFIX + HISTORICAL_PREFIX + encode_cn(city_code, 2) + chip_serial


def ef05_records(p: CardPersonalisation) -> list[bytes]:
    """EF05 (card data) records 1-7 of profile §2, each a simple TLV."""
    if len(p.card_identification_code) != 16:
        raise ValueError("the card identification code is 16 bytes")
    organisation = (p.initialising_organisation or p.region_code + "000001").encode("ascii")
    if len(organisation) != 12:
        raise ValueError("the initialising organisation number is 12 characters")
    return [
        encode_simple_tlv(0x01, p.card_identification_code),
        encode_simple_tlv(0x02, encode_an(p.card_type, 1, encoding="ascii")),
        encode_simple_tlv(0x03, encode_an(p.generation, 4, encoding="ascii")),
        encode_simple_tlv(0x04, organisation),
        encode_simple_tlv(0x05, encode_cn(p.issue_date, 4)),
        encode_simple_tlv(0x06, encode_cn(p.expiry_date, 4)),
        encode_simple_tlv(0x07, encode_an(p.card_number, 9, encoding="ascii")),
    ]


def split_name(name: str) -> tuple[bytes, bytes]:
    """The GBK name cut at a character boundary into tag 09 (≤ 30 bytes) and 4E (≤ 20)."""
    head = ""
    for ch in name:
        if len((head + ch).encode("gbk")) > NAME_LENGTH:
            break
        head += ch
    tail = name[len(head) :].encode("gbk")
    if len(tail) > NAME_EXTENSION_LENGTH:
        raise ValueError(f"name does not fit tags 09 and 4E ({len(name.encode('gbk'))} bytes)")
    return head.encode("gbk"), tail


def ef06_records(p: CardPersonalisation) -> list[bytes]:
    """EF06 (holder data) records of profile §2; 1.00 cards have no 4E record."""
    name, extension = split_name(p.name)
    if extension and p.generation == "1.00":
        raise ValueError("a 1.00 card has no name extension: the name exceeds 30 GBK bytes")
    records = [
        encode_simple_tlv(0x08, encode_an(p.social_security_number, 18, encoding="ascii")),
        encode_simple_tlv(0x09, name.ljust(NAME_LENGTH, b"\x00")),
    ]
    if p.generation != "1.00":
        padding = bytes((p.name_padding,))
        records.append(encode_simple_tlv(0x4E, extension.ljust(NAME_EXTENSION_LENGTH, padding)))
    return [
        *records,
        encode_simple_tlv(0x0A, encode_an(p.sex, 1, encoding="ascii")),
        encode_simple_tlv(0x0B, encode_cn(p.ethnic_group, 1)),
        encode_simple_tlv(0x0C, encode_cn(p.birthplace, 3)),
        encode_simple_tlv(0x0D, encode_cn(p.birth_date, 4)),
    ]


def _fci(df: CardFile, algorithm: int) -> bytes:
    proprietary = encode_ber_tlv(0x9F0C, bytes((0x86, 0x01, algorithm)))
    return encode_ber_tlv(0x6F, encode_ber_tlv(0x84, df.name) + encode_ber_tlv(0xA5, proprietary))


class _CommandError(Exception):
    """Ends the command with status word ``sw`` and no data."""

    def __init__(self, sw: int) -> None:
        super().__init__(f"{sw:04X}")
        self.sw = sw


def _wrong_le(available: int) -> _CommandError:
    return _CommandError((status.WRONG_LE_SW1 << 8) | (available & 0xFF))


Response = tuple[bytes, int]
Handler = Callable[[CommandApdu], Response]
CLASSES = (0x00, 0x80, 0x84)
GET_RESPONSE_INS = 0xC0


class SoftSocialSecurityCard:
    """A social security card in software; implements ``simulators.card.os.CardOS``.

    ``on_change(card)`` is called after every change to ``memory`` (PIN tries, PIN,
    personalisation), e.g. to save the card. ``random_bytes(n)`` makes challenges.
    """

    def __init__(
        self,
        memory: CardMemory,
        *,
        protocol: Protocol_ = "T0",
        on_change: Callable[[SoftSocialSecurityCard], None] | None = None,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        if protocol not in ("T0", "T1"):
            raise ValueError(f"protocol must be 'T0' or 'T1', got {protocol!r}")
        self.memory = memory
        self._protocol: Protocol_ = protocol
        self.on_change = on_change
        self._random_bytes = random_bytes
        self._powered = False
        self._pin_verified = False
        self._challenge: bytes | None = None
        self._pending: bytes | None = None
        self._current_df = _BY_FID[MF_FID]
        self._current_ef: CardFile | None = None
        self._handlers: dict[tuple[int, int], Handler] = {
            (0x00, 0xA4): self._select,
            (0x00, 0xB2): self._read_record,
            (0x00, 0xDC): self._update_record,
            (0x00, 0xB0): self._read_binary,
            (0x00, 0xD6): self._update_binary,
            (0x00, 0x84): self._get_challenge,
            (0x00, 0x20): self._verify,
            (0x80, 0x5E): self._change_or_reload_pin,
            (0x84, 0x24): self._key_not_found,
            (0x00, 0x88): self._key_not_found,
            (0x00, 0x82): self._key_not_found,
        }

    @classmethod
    def personalised(
        cls,
        personalisation: CardPersonalisation,
        *,
        protocol: Protocol_ = "T0",
        on_change: Callable[[SoftSocialSecurityCard], None] | None = None,
    ) -> Self:
        """A blank card of the personalisation's chip, with the personalisation written."""
        memory = CardMemory(personalisation.generation, personalisation.chip_serial)
        card = cls(memory, protocol=protocol, on_change=on_change)
        card.personalise(personalisation)
        return card

    @property
    def atr(self) -> bytes:
        return atr_for(self.memory.city_code, self.memory.chip_serial)

    @property
    def protocol(self) -> Protocol_:
        return self._protocol

    @property
    def last_challenge(self) -> bytes | None:
        """The challenge from the last GET CHALLENGE, until it is used or the card is reset."""
        return self._challenge

    def personalise(self, p: CardPersonalisation) -> None:
        """Write EF05, EF06, EF08, the PIN and the ATR's city code (issuer-side shortcut).

        Raises ValueError when the data does not fit the card or belongs to another chip.
        """
        if (p.generation, p.chip_serial) != (self.memory.generation, self.memory.chip_serial):
            raise ValueError("personalisation is for another chip (generation or serial differ)")
        if len(p.photo) > PHOTO_FILE_SIZE:
            raise ValueError(f"photo of {len(p.photo)} bytes exceeds EF08 ({PHOTO_FILE_SIZE})")
        if len(p.region_code) != 6 or not p.region_code.isdigit():
            raise ValueError(f"region code must be 6 digits, got {p.region_code!r}")
        records = {EF05_FID: ef05_records(p), EF06_FID: ef06_records(p)}
        pin = encode_pin(p.pin)
        self.memory.records = records
        self.memory.photo = p.photo.ljust(PHOTO_FILE_SIZE, b"\x00")
        self.memory.pin = pin
        self.memory.pin_tries_left = PIN_TRIES
        self.memory.city_code = p.region_code[:4]
        self._changed()

    # --- contacts ---

    def power_on(self) -> bytes:
        self._powered = True
        self._clear_security_state()
        return self.atr

    def power_off(self) -> None:
        self._powered = False
        self._clear_security_state()

    def reset(self) -> bytes:
        return self.power_on()

    def execute(self, apdu: bytes) -> bytes:
        if not self._powered:
            raise CardNotPoweredError("the card is not powered")
        pending, self._pending = self._pending, None
        try:
            data, sw = self._dispatch(apdu, pending)
        except _CommandError as error:
            data, sw = b"", error.sw
        return data + sw.to_bytes(2, "big")

    # --- dispatch and transport-level behaviour ---

    def _clear_security_state(self) -> None:
        self._pin_verified = False
        self._challenge = None
        self._pending = None
        self._current_df = _BY_FID[MF_FID]
        self._current_ef = None

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self)

    def _dispatch(self, apdu: bytes, pending: bytes | None) -> Response:
        try:
            command = CommandApdu.from_bytes(apdu)
        except MalformedApduError:
            return b"", status.WRONG_LENGTH
        if command.cla not in CLASSES:
            return b"", status.CLA_NOT_SUPPORTED
        if (command.cla, command.ins) == (0x00, GET_RESPONSE_INS):
            return self._get_response(command, pending)
        handler = self._handlers.get((command.cla, command.ins))
        if handler is None:
            return b"", status.INS_NOT_SUPPORTED
        if command.extended:
            return b"", status.WRONG_LENGTH
        data, sw = handler(command)
        if self._protocol == "T0":
            if command.data and data and sw == status.OK:
                self._pending = data
                return b"", (status.MORE_DATA_SW1 << 8) | (len(data) & 0xFF)
        elif command.le is not None:
            data = data[: command.le]
        return data, sw

    def _get_response(self, command: CommandApdu, pending: bytes | None) -> Response:
        if command.p1 or command.p2:
            return b"", status.WRONG_P1P2
        if pending is None:
            return b"", status.CONDITIONS_NOT_SATISFIED
        if command.data or command.le is None or command.extended:
            return b"", status.WRONG_LENGTH
        if command.le > len(pending):
            self._pending = pending
            return b"", (status.WRONG_LE_SW1 << 8) | len(pending)
        if command.le < len(pending):
            self._pending = pending[command.le :]
            return pending[: command.le], (status.MORE_DATA_SW1 << 8) | len(self._pending)
        return pending, status.OK

    # --- SELECT ---

    def _select(self, command: CommandApdu) -> Response:
        if command.p1 not in (0x00, 0x02, 0x04) or command.p2 != 0x00:
            raise _CommandError(status.WRONG_P1P2)
        if not command.data:
            raise _CommandError(status.WRONG_LENGTH)
        if command.p1 == 0x04:
            df = next((f for f in FILES if f.name and f.name == command.data), None)
            if df is None:
                raise _CommandError(status.FILE_NOT_FOUND)
            self._current_df, self._current_ef = df, None
            algorithm = ALGORITHM_SM4 if self.memory.generation == "3.00" else ALGORITHM_3DES
            return _fci(df, algorithm), status.OK
        if len(command.data) != 2:
            raise _CommandError(status.WRONG_LENGTH)
        selected = self._find_by_fid(int.from_bytes(command.data, "big"), ef_only=command.p1 == 2)
        if selected.kind == "DF":
            self._current_df, self._current_ef = selected, None
        else:
            self._current_ef = selected
        return b"", status.OK

    def _find_by_fid(self, fid: int, *, ef_only: bool) -> CardFile:
        here = self._current_df.fid
        if ef_only:
            allowed = {f.fid for f in FILES if f.parent == here and f.kind != "DF"}
        else:
            allowed = {f.fid for f in FILES if f.parent == here}
            allowed |= {here, MF_FID}
            if self._current_df.parent is not None:
                allowed.add(self._current_df.parent)
        if fid not in allowed:
            raise _CommandError(status.FILE_NOT_FOUND)
        return _BY_FID[fid]

    # --- record files ---

    def _addressed_record(self, p1: int, p2: int) -> tuple[CardFile, int]:
        """The record file and record index that P1/P2 address (profile §3)."""
        mode, sfi = p2 & 0x07, p2 >> 3
        if mode not in (0, 4) or sfi == 0x1F:
            raise _CommandError(status.WRONG_P1P2)
        if sfi:
            here = self._current_df.fid
            ef = next((f for f in FILES if f.parent == here and f.sfi == sfi), None)
            if ef is None:
                raise _CommandError(status.FILE_NOT_FOUND)
            self._current_ef = ef
        elif self._current_ef is None:
            raise _CommandError(status.NO_CURRENT_EF)
        ef = self._current_ef
        if ef.kind != "records":
            raise _CommandError(status.COMMAND_INCOMPATIBLE)
        records = self.memory.records[ef.fid]
        if mode == 4:
            if p1 == 0:
                raise _CommandError(status.WRONG_P1P2)
            if p1 > len(records):
                raise _CommandError(status.RECORD_NOT_FOUND)
            return ef, p1 - 1
        index = next((i for i, r in enumerate(records) if r[0] == p1), None)
        if index is None:
            raise _CommandError(status.RECORD_NOT_FOUND)
        return ef, index

    def _read_record(self, command: CommandApdu) -> Response:
        if command.data or command.le is None:
            raise _CommandError(status.WRONG_LENGTH)
        ef, index = self._addressed_record(command.p1, command.p2)
        record = self.memory.records[ef.fid][index]
        if self._protocol == "T0" and command.le != len(record):
            raise _wrong_le(len(record))
        return record, status.OK

    def _update_record(self, command: CommandApdu) -> Response:
        if not command.data or command.le is not None:
            raise _CommandError(status.WRONG_LENGTH)
        self._addressed_record(command.p1, command.p2)
        raise _CommandError(status.SECURITY_STATUS_NOT_SATISFIED)

    # --- the transparent file ---

    def _transparent_offset(self, command: CommandApdu) -> int:
        if self._current_ef is None:
            raise _CommandError(status.NO_CURRENT_EF)
        if self._current_ef.kind != "transparent":
            raise _CommandError(status.COMMAND_INCOMPATIBLE)
        offset = (command.p1 << 8) | command.p2
        if offset >= PHOTO_FILE_SIZE:
            raise _CommandError(status.WRONG_P1P2)
        return offset

    def _read_binary(self, command: CommandApdu) -> Response:
        if command.data or command.le is None:
            raise _CommandError(status.WRONG_LENGTH)
        offset = self._transparent_offset(command)
        chunk = self.memory.photo[offset : offset + command.le]
        if self._protocol == "T0" and len(chunk) != command.le:
            raise _wrong_le(len(chunk))
        return chunk, status.OK

    def _update_binary(self, command: CommandApdu) -> Response:
        if not command.data or command.le is not None:
            raise _CommandError(status.WRONG_LENGTH)
        offset = self._transparent_offset(command)
        if offset + len(command.data) > PHOTO_FILE_SIZE:
            raise _CommandError(status.WRONG_LENGTH)
        raise _CommandError(status.SECURITY_STATUS_NOT_SATISFIED)

    # --- challenge, PIN and keys ---

    def _get_challenge(self, command: CommandApdu) -> Response:
        if command.p1 or command.p2:
            raise _CommandError(status.WRONG_P1P2)
        if command.data or command.le not in CHALLENGE_LENGTHS:
            raise _CommandError(status.WRONG_LENGTH)
        self._challenge = self._random_bytes(command.le)
        return self._challenge, status.OK

    def _verify(self, command: CommandApdu) -> Response:
        if command.p1 or command.p2:
            raise _CommandError(status.WRONG_P1P2)
        if command.le is not None:
            raise _CommandError(status.WRONG_LENGTH)
        if not command.data:
            if self.memory.pin_tries_left == 0:
                raise _CommandError(status.AUTHENTICATION_BLOCKED)
            if self._pin_verified:
                return b"", status.OK
            raise _CommandError(status.VERIFICATION_FAILED_MASK | self.memory.pin_tries_left)
        if not PIN_MIN_BYTES <= len(command.data) <= PIN_MAX_BYTES:
            raise _CommandError(status.WRONG_LENGTH)
        if not _is_pin_block(command.data):
            raise _CommandError(status.WRONG_DATA)
        self._check_pin(command.data)
        return b"", status.OK

    def _change_or_reload_pin(self, command: CommandApdu) -> Response:
        if (command.p1, command.p2) == (0x00, 0x00):
            return self._key_not_found(command)
        if (command.p1, command.p2) != (0x01, 0x00):
            raise _CommandError(status.WRONG_P1P2)
        if command.le is not None:
            raise _CommandError(status.WRONG_LENGTH)
        old, separator, new = command.data.partition(bytes((PIN_SEPARATOR,)))
        if not separator:
            raise _CommandError(status.WRONG_DATA)
        for block in (old, new):
            if not PIN_MIN_BYTES <= len(block) <= PIN_MAX_BYTES:
                raise _CommandError(status.WRONG_LENGTH)
            if not _is_pin_block(block):
                raise _CommandError(status.WRONG_DATA)
        self._check_pin(old)
        self.memory.pin = new
        self._changed()
        return b"", status.OK

    def _check_pin(self, block: bytes) -> None:
        """Compare a PIN block, counting tries; raises the 63Cx / 6983 error."""
        if self.memory.pin_tries_left == 0:
            raise _CommandError(status.AUTHENTICATION_BLOCKED)
        if hmac.compare_digest(block, self.memory.pin):
            self._pin_verified = True
            if self.memory.pin_tries_left != PIN_TRIES:
                self.memory.pin_tries_left = PIN_TRIES
                self._changed()
            return
        self._pin_verified = False
        self.memory.pin_tries_left -= 1
        self._changed()
        raise _CommandError(status.VERIFICATION_FAILED_MASK | self.memory.pin_tries_left)

    def _key_not_found(self, command: CommandApdu) -> Response:
        raise _CommandError(status.KEY_NOT_FOUND)
