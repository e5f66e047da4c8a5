"""The soft social security card: the SSC application of the card profile on a small card OS.

The file tree is in ``simulators.card.filesystem``, what persists in
``simulators.card.memory``, the record bytes in ``simulators.card.records``.

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
- Writes (UPDATE RECORD, UPDATE BINARY) resolve their target, then need the write right
  that EXTERNAL AUTHENTICATE with UK (key 04) opens (else 6982); an UPDATE RECORD must
  keep the record's tag and length (else 6A80 / 6700). On 3.00 cards EF05 tag 07 and
  EF06 answer 6982 until EXTERNAL AUTHENTICATE with RKSSSE (key 0A). The security
  commands and their [profile] choices are in ``simulators.card.security``.
- Names longer than 30 GBK bytes are split at a character boundary, so tag 09 and tag
  4E each decode on their own; 4E is padded with ``name_padding``.
- Short APDUs only: an extended APDU, or bytes that are no APDU, answer 6700.

Security state (PIN verified, last challenge, opened rights, current files, a pending GET
RESPONSE) is cleared by power-on, power-off and reset; ``CardMemory`` (records, photo,
PIN, card keys and their try counters) is what persists. Power, T=0/T=1 and GET RESPONSE
are ``simulators.card.dispatch``'s.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import Self

from readers.connection import Protocol_
from readers.iso7816 import status
from readers.iso7816.apdu import CommandApdu
from readers.iso7816.tlv import parse_simple_tlv
from simulators.card.dispatch import CommandDispatcher, CommandError, Response, wrong_le
from simulators.card.filesystem import (
    BY_FID,
    EF05_FID,
    EF06_FID,
    FILES,
    MF_FID,
    PHOTO_FILE_SIZE,
    CardFile,
)
from simulators.card.memory import (
    PIN_MAX_BYTES,
    PIN_MIN_BYTES,
    PIN_SEPARATOR,
    PIN_TRIES,
    CardMemory,
    encode_pin,
    is_pin_block,
)
from simulators.card.personalisation import CardPersonalisation
from simulators.card.records import (
    ALGORITHM_3DES,
    ALGORITHM_SM4,
    atr_for,
    ef05_records,
    ef06_records,
    fci,
)
from simulators.card.security import CardSecurity


class SoftSocialSecurityCard(CommandDispatcher):
    """A social security card in software; implements ``simulators.card.os.CardOS``.

    ``on_change(card)`` is called after every change to ``memory`` (PIN, key tries,
    writes, personalisation), e.g. to save the card. ``random_bytes(n)`` makes challenges.
    """

    classes = (0x00, 0x80, 0x84)

    def __init__(
        self,
        memory: CardMemory,
        *,
        protocol: Protocol_ = "T0",
        on_change: Callable[[SoftSocialSecurityCard], None] | None = None,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    ) -> None:
        super().__init__(protocol)
        self.memory = memory
        self.on_change = on_change
        self.security = CardSecurity(memory, self._changed, random_bytes)
        self._pin_verified = False
        self._current_df = BY_FID[MF_FID]
        self._current_ef: CardFile | None = None
        self.handlers = {
            (0x00, 0xA4): self._select,
            (0x00, 0xB2): self._read_record,
            (0x00, 0xDC): self._update_record,
            (0x00, 0xB0): self._read_binary,
            (0x00, 0xD6): self._update_binary,
            (0x00, 0x84): self.security.get_challenge,
            (0x00, 0x20): self._verify,
            (0x80, 0x5E): self._change_or_reload_pin,
            (0x84, 0x24): self.security.unblock_pin,
            (0x00, 0x88): self.security.internal_authenticate,
            (0x00, 0x82): self.security.external_authenticate,
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
    def last_challenge(self) -> bytes | None:
        """The challenge from the last GET CHALLENGE, until it is used or the card is reset."""
        return self.security.challenge

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

    # --- power and state ---

    def clear_security_state(self) -> None:
        super().clear_security_state()
        self._pin_verified = False
        self.security.clear()
        self._current_df = BY_FID[MF_FID]
        self._current_ef = None

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self)

    # --- SELECT ---

    def _select(self, command: CommandApdu) -> Response:
        if command.p1 not in (0x00, 0x02, 0x04) or command.p2 != 0x00:
            raise CommandError(status.WRONG_P1P2)
        if not command.data:
            raise CommandError(status.WRONG_LENGTH)
        if command.p1 == 0x04:
            df = next((f for f in FILES if f.name and f.name == command.data), None)
            if df is None:
                raise CommandError(status.FILE_NOT_FOUND)
            self._current_df, self._current_ef = df, None
            algorithm = ALGORITHM_SM4 if self.memory.generation == "3.00" else ALGORITHM_3DES
            return fci(df, algorithm), status.OK
        if len(command.data) != 2:
            raise CommandError(status.WRONG_LENGTH)
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
            raise CommandError(status.FILE_NOT_FOUND)
        return BY_FID[fid]

    # --- record files ---

    def _addressed_record(self, p1: int, p2: int) -> tuple[CardFile, int]:
        """The record file and record index that P1/P2 address (profile §3)."""
        mode, sfi = p2 & 0x07, p2 >> 3
        if mode not in (0, 4) or sfi == 0x1F:
            raise CommandError(status.WRONG_P1P2)
        if sfi:
            here = self._current_df.fid
            ef = next((f for f in FILES if f.parent == here and f.sfi == sfi), None)
            if ef is None:
                raise CommandError(status.FILE_NOT_FOUND)
            self._current_ef = ef
        elif self._current_ef is None:
            raise CommandError(status.NO_CURRENT_EF)
        ef = self._current_ef
        if ef.kind != "records":
            raise CommandError(status.COMMAND_INCOMPATIBLE)
        records = self.memory.records[ef.fid]
        if mode == 4:
            if p1 == 0:
                raise CommandError(status.WRONG_P1P2)
            if p1 > len(records):
                raise CommandError(status.RECORD_NOT_FOUND)
            return ef, p1 - 1
        index = next((i for i, r in enumerate(records) if r[0] == p1), None)
        if index is None:
            raise CommandError(status.RECORD_NOT_FOUND)
        return ef, index

    def _read_record(self, command: CommandApdu) -> Response:
        if command.data or command.le is None:
            raise CommandError(status.WRONG_LENGTH)
        ef, index = self._addressed_record(command.p1, command.p2)
        record = self.memory.records[ef.fid][index]
        if not self.security.may_read(ef.fid, record):
            raise CommandError(status.SECURITY_STATUS_NOT_SATISFIED)
        if self._protocol == "T0" and command.le != len(record):
            raise wrong_le(len(record))
        return record, status.OK

    def _update_record(self, command: CommandApdu) -> Response:
        if not command.data or command.le is not None:
            raise CommandError(status.WRONG_LENGTH)
        ef, index = self._addressed_record(command.p1, command.p2)
        if not self.security.may_write():
            raise CommandError(status.SECURITY_STATUS_NOT_SATISFIED)
        records = self.memory.records[ef.fid]
        old_tag, old_value = parse_simple_tlv(records[index])
        try:
            new_tag, new_value = parse_simple_tlv(command.data)
        except ValueError:
            raise CommandError(status.WRONG_DATA) from None
        if new_tag != old_tag:
            raise CommandError(status.WRONG_DATA)
        if len(new_value) != len(old_value):
            raise CommandError(status.WRONG_LENGTH)
        records[index] = command.data
        self._changed()
        return b"", status.OK

    # --- the transparent file ---

    def _transparent_offset(self, command: CommandApdu) -> int:
        if self._current_ef is None:
            raise CommandError(status.NO_CURRENT_EF)
        if self._current_ef.kind != "transparent":
            raise CommandError(status.COMMAND_INCOMPATIBLE)
        offset = (command.p1 << 8) | command.p2
        if offset >= PHOTO_FILE_SIZE:
            raise CommandError(status.WRONG_P1P2)
        return offset

    def _read_binary(self, command: CommandApdu) -> Response:
        if command.data or command.le is None:
            raise CommandError(status.WRONG_LENGTH)
        offset = self._transparent_offset(command)
        chunk = self.memory.photo[offset : offset + command.le]
        if self._protocol == "T0" and len(chunk) != command.le:
            raise wrong_le(len(chunk))
        return chunk, status.OK

    def _update_binary(self, command: CommandApdu) -> Response:
        if not command.data or command.le is not None:
            raise CommandError(status.WRONG_LENGTH)
        offset = self._transparent_offset(command)
        if offset + len(command.data) > PHOTO_FILE_SIZE:
            raise CommandError(status.WRONG_LENGTH)
        if not self.security.may_write():
            raise CommandError(status.SECURITY_STATUS_NOT_SATISFIED)
        photo = self.memory.photo
        self.memory.photo = photo[:offset] + command.data + photo[offset + len(command.data) :]
        self._changed()
        return b"", status.OK

    # --- PIN ---

    def _verify(self, command: CommandApdu) -> Response:
        if command.p1 or command.p2:
            raise CommandError(status.WRONG_P1P2)
        if command.le is not None:
            raise CommandError(status.WRONG_LENGTH)
        if not command.data:
            if self.memory.pin_tries_left == 0:
                raise CommandError(status.AUTHENTICATION_BLOCKED)
            if self._pin_verified:
                return b"", status.OK
            raise CommandError(status.VERIFICATION_FAILED_MASK | self.memory.pin_tries_left)
        if not PIN_MIN_BYTES <= len(command.data) <= PIN_MAX_BYTES:
            raise CommandError(status.WRONG_LENGTH)
        if not is_pin_block(command.data):
            raise CommandError(status.WRONG_DATA)
        self._check_pin(command.data)
        return b"", status.OK

    def _change_or_reload_pin(self, command: CommandApdu) -> Response:
        if (command.p1, command.p2) == (0x00, 0x00):
            return self.security.reload_pin(command)
        if (command.p1, command.p2) != (0x01, 0x00):
            raise CommandError(status.WRONG_P1P2)
        if command.le is not None:
            raise CommandError(status.WRONG_LENGTH)
        old, separator, new = command.data.partition(bytes((PIN_SEPARATOR,)))
        if not separator:
            raise CommandError(status.WRONG_DATA)
        for block in (old, new):
            if not PIN_MIN_BYTES <= len(block) <= PIN_MAX_BYTES:
                raise CommandError(status.WRONG_LENGTH)
            if not is_pin_block(block):
                raise CommandError(status.WRONG_DATA)
        self._check_pin(old)
        self.memory.pin = new
        self._changed()
        return b"", status.OK

    def _check_pin(self, block: bytes) -> None:
        """Compare a PIN block, counting tries; raises the 63Cx / 6983 error."""
        if self.memory.pin_tries_left == 0:
            raise CommandError(status.AUTHENTICATION_BLOCKED)
        if hmac.compare_digest(block, self.memory.pin):
            self._pin_verified = True
            if self.memory.pin_tries_left != PIN_TRIES:
                self.memory.pin_tries_left = PIN_TRIES
                self._changed()
            return
        self._pin_verified = False
        self.memory.pin_tries_left -= 1
        self._changed()
        raise CommandError(status.VERIFICATION_FAILED_MASK | self.memory.pin_tries_left)
