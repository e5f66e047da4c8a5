"""``SocialSecurityCardSession``: the SSC application over any card connection."""

from __future__ import annotations

import logging
from datetime import date

from readers.card import constants as c
from readers.card.authenticator import Authenticator
from readers.card.errors import (
    CardCommandError,
    CardDataError,
    KeyAuthenticationFailed,
    NotSocialSecurityCard,
    PinBlocked,
    SecurityStatusNotSatisfied,
    UnsupportedAlgorithm,
    WrongPin,
)
from readers.card.jpeg import SOI, jpeg_end
from readers.card.models import (
    ApplicationInfo,
    CardAlgorithm,
    CardHolder,
    CardInfo,
    PinState,
    Sex,
)
from readers.iso7816 import status
from readers.iso7816.apdu import CommandApdu
from readers.iso7816.codecs import decode_an, decode_cn, encode_cn
from readers.iso7816.errors import FormatError
from readers.iso7816.processors import ApduProcessor, Transmitter
from readers.iso7816.tlv import find_ber_tlv, parse_ber_tlvs, parse_simple_tlv

logger = logging.getLogger(__name__)

# READ BINARY past the end of a file: wrong offset, wrong P1/P2, or end of file reached.
_END_OF_FILE = frozenset({0x6B00, 0x6A86, 0x6282})
# [profile] FID of EF08 (photo) inside SSSE.
EF08_FID = 0x0008


def parse_algorithm(fci: bytes) -> CardAlgorithm:
    """The algorithm flag ``9F0C 03 86 01 xx`` in the FCI of SELECT SSSE; absent means 3DES."""
    try:
        flag = find_ber_tlv(parse_ber_tlvs(fci), c.ALGORITHM_FLAG_TAG)
        if flag is None:
            return CardAlgorithm.TRIPLE_DES
        inner = find_ber_tlv(parse_ber_tlvs(flag.value), c.ALGORITHM_FLAG_INNER_TAG)
    except FormatError as exc:
        raise CardDataError(f"FCI of SSSE does not parse: {exc}") from None
    if inner is None or len(inner.value) != 1:
        raise CardDataError("algorithm flag 9F0C does not hold 86 01 xx")
    try:
        algorithm = CardAlgorithm(inner.value[0])
    except ValueError:
        raise CardDataError(f"unknown algorithm flag {inner.value[0]:02X}") from None
    if algorithm is CardAlgorithm.SSF33:
        raise UnsupportedAlgorithm("the card uses SSF33, which this terminal does not support")
    return algorithm


def parse_date(digits: str, what: str) -> date:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise CardDataError(f"{what} is not a date YYYYMMDD") from None


def join_name(name: bytes, extension: bytes) -> str:
    """Name (tag 09) and name extension (tag 4E) as one string; 00 or FF padding dropped.

    The raw parts are joined before decoding so that an issuer who split a GBK character
    across the two records is read correctly too.
    """
    raw = name.rstrip(b"\x00\xff") + extension.rstrip(b"\x00\xff")
    try:
        return decode_an(raw)
    except FormatError:
        raise CardDataError("name is not valid GBK text") from None


def encode_pin(pin: str) -> bytes:
    if not 4 <= len(pin) <= 12 or not pin.isascii() or not pin.isdigit():
        raise ValueError("a PIN is 4 to 12 digits")
    return encode_cn(pin, (len(pin) + 1) // 2)


class SocialSecurityCardSession:
    """Reads and verifies one social security card; selects SSSE on construction."""

    def __init__(self, connection: Transmitter, authenticator: Authenticator | None = None) -> None:
        self._processor = ApduProcessor(connection)
        self.authenticator = authenticator
        self._card_info: CardInfo | None = None
        self.application = self._select_ssse()

    # --- plumbing -------------------------------------------------------------------

    def _send(self, command: CommandApdu, what: str) -> bytes:
        response = self._processor.send(command)
        if response.ok:
            return response.data
        raise self._error(response.sw, what)

    def _error(self, sw: int, what: str) -> Exception:
        tries = status.tries_left(sw)
        if tries is not None:
            return PinBlocked() if tries == 0 else WrongPin(tries)
        if sw == status.AUTHENTICATION_BLOCKED:
            return PinBlocked()
        if sw == status.SECURITY_STATUS_NOT_SATISFIED:
            return SecurityStatusNotSatisfied(f"{what}: the card requires authentication first")
        return CardCommandError(sw, what)

    def _select_ssse(self) -> ApplicationInfo:
        command = CommandApdu(0x00, c.INS_SELECT, 0x04, 0x00, c.SSSE_NAME, le=256)
        response = self._processor.send(command)
        if response.sw in (status.FILE_NOT_FOUND, status.WRONG_P1P2):
            raise NotSocialSecurityCard("the card has no social security application (SSSE)")
        if not response.ok:
            raise self._error(response.sw, "SELECT SSSE")
        return ApplicationInfo(parse_algorithm(response.data), response.data)

    def read_record(self, sfi: int, field: c.RecordField) -> bytes:
        """The value of the record with ``field.tag`` in the EF with ``sfi``."""
        command = CommandApdu(0x00, c.INS_READ_RECORD, field.tag, sfi << 3, le=field.length + 2)
        raw = self._send(command, f"READ RECORD {field.tag:02X}")
        try:
            tag, value = parse_simple_tlv(raw)
        except FormatError as exc:
            raise CardDataError(f"record {field.tag:02X} does not parse: {exc}") from None
        if tag != field.tag or len(value) != field.length:
            raise CardDataError(
                f"asked for record {field.tag:02X} ({field.length} bytes), "
                f"got {tag:02X} ({len(value)} bytes)"
            )
        return value

    def _text(self, sfi: int, field: c.RecordField) -> str:
        try:
            return decode_an(self.read_record(sfi, field))
        except FormatError as exc:
            raise CardDataError(f"record {field.tag:02X}: {exc}") from None

    def _digits(self, sfi: int, field: c.RecordField) -> str:
        try:
            return decode_cn(self.read_record(sfi, field))
        except FormatError as exc:
            raise CardDataError(f"record {field.tag:02X}: {exc}") from None

    # --- EF05 / EF06 / EF08 ----------------------------------------------------------

    def read_card_info(self) -> CardInfo:
        """EF05. On a 3.00 card not yet authenticated, the card number reads as None."""
        sfi = c.SFI_EF05
        try:
            card_number: str | None = self.read_card_number()
        except SecurityStatusNotSatisfied:
            card_number = None
        info = CardInfo(
            card_identification_code=self.read_record(sfi, c.CARD_IDENTIFICATION_CODE),
            card_type=self._text(sfi, c.CARD_TYPE),
            generation=self._text(sfi, c.SPEC_VERSION),
            initialising_organisation=self._text(sfi, c.INITIALISING_ORGANISATION),
            issue_date=parse_date(self._digits(sfi, c.ISSUE_DATE), "issue date"),
            expiry_date=parse_date(self._digits(sfi, c.EXPIRY_DATE), "expiry date"),
            card_number=card_number,
        )
        self._card_info = info
        return info

    def read_card_number(self) -> str:
        """EF05 tag 07 alone (SecurityStatusNotSatisfied on a 3.00 card before RKSSSE)."""
        return self._text(c.SFI_EF05, c.CARD_NUMBER)

    @property
    def card_info(self) -> CardInfo:
        return self._card_info or self.read_card_info()

    @property
    def generation(self) -> str:
        return self.card_info.generation

    def read_holder(self) -> CardHolder:
        """EF06. SecurityStatusNotSatisfied on a 3.00 card before read authentication."""
        sfi = c.SFI_EF06
        name = self.read_record(sfi, c.NAME)
        extension = b""
        if self.generation != "1.00":
            try:
                extension = self.read_record(sfi, c.NAME_EXTENSION)
            except CardCommandError as exc:
                if exc.sw != status.RECORD_NOT_FOUND:
                    raise
        sex_code = self._text(sfi, c.SEX)
        try:
            sex = Sex(sex_code)
        except ValueError:
            raise CardDataError(f"sex code {sex_code!r} is not 1, 2 or 9") from None
        return CardHolder(
            social_security_number=self._text(sfi, c.SOCIAL_SECURITY_NUMBER),
            name=join_name(name, extension),
            sex=sex,
            ethnic_group=self._digits(sfi, c.ETHNIC_GROUP),
            birthplace=self._digits(sfi, c.BIRTHPLACE),
            birth_date=parse_date(self._digits(sfi, c.BIRTH_DATE), "birth date"),
        )

    def read_photo(self) -> bytes:
        """EF08, the holder's JPEG photo, read in READ BINARY chunks up to its end marker.

        EF08 may be larger than the photo in it; reading stops once the JPEG is complete,
        at the end of the file, or at the profile's 16 KiB limit.
        """
        self._send(
            CommandApdu(0x00, c.INS_SELECT, 0x02, 0x00, EF08_FID.to_bytes(2, "big")),
            "SELECT EF08",
        )
        photo = bytearray()
        while len(photo) < c.EF08_MAX_SIZE:
            offset = len(photo)
            want = min(c.PHOTO_CHUNK, c.EF08_MAX_SIZE - offset)
            command = CommandApdu(0x00, c.INS_READ_BINARY, offset >> 8, offset & 0xFF, le=want)
            response = self._processor.send(command)
            if response.sw in _END_OF_FILE and offset:
                break
            if not response.ok:
                raise self._error(response.sw, "READ BINARY EF08")
            photo += response.data
            end = jpeg_end(bytes(photo))
            if end is not None:
                return bytes(photo[:end])
            if len(response.data) < want:
                break
        return bytes(photo) if photo.startswith(SOI) else b""

    # --- PIN ---------------------------------------------------------------------------

    def verify_pin(self, pin: str) -> None:
        """VERIFY; WrongPin(tries_left) or PinBlocked when the card refuses."""
        self._send(CommandApdu(0x00, c.INS_VERIFY, 0x00, 0x00, encode_pin(pin)), "VERIFY")

    def change_pin(self, old: str, new: str) -> None:
        data = encode_pin(old) + b"\xff" + encode_pin(new)
        self._send(CommandApdu(c.CLA_PROPRIETARY, c.INS_CHANGE_PIN, 0x01, 0x00, data), "CHANGE PIN")

    def pin_state(self) -> PinState:
        """Ask the card with an empty VERIFY, which uses no try (``63Cx``, ``6983``, ``9000``)."""
        sw = self._processor.send(CommandApdu(0x00, c.INS_VERIFY, 0x00, 0x00)).sw
        if sw == status.OK:
            return PinState(verified=True, tries_left=None, blocked=False)
        if sw == status.AUTHENTICATION_BLOCKED:
            return PinState(verified=False, tries_left=0, blocked=True)
        return PinState(verified=False, tries_left=status.tries_left(sw), blocked=False)

    # --- challenges and authentication (profile §5) ----------------------------------

    def get_challenge(self, length: int) -> bytes:
        """GET CHALLENGE: ``length`` (4, 8 or 16) random bytes the card remembers once."""
        command = CommandApdu(0x00, c.INS_GET_CHALLENGE, 0x00, 0x00, le=length)
        challenge = self._send(command, "GET CHALLENGE")
        if len(challenge) != length:
            raise CardDataError(f"asked for a {length}-byte challenge, got {len(challenge)}")
        return challenge

    def internal_authenticate(self, process_factor: bytes, original: bytes) -> bytes:
        """INTERNAL AUTHENTICATE ``00 88 00 00 10 pf orig``: the card's 8-byte cryptogram."""
        if len(process_factor) != c.FACTOR_LENGTH or len(original) != c.FACTOR_LENGTH:
            raise ValueError("the process factor and the original data are 8 bytes each")
        command = CommandApdu(
            0x00, c.INS_INTERNAL_AUTHENTICATE, 0x00, 0x00, process_factor + original
        )
        answer = self._send(command, "INTERNAL AUTHENTICATE")
        if len(answer) != c.FACTOR_LENGTH:
            raise CardDataError(f"INTERNAL AUTHENTICATE returned {len(answer)} bytes, not 8")
        return answer

    def external_authenticate(self, key_id: int, cryptogram: bytes, original: bytes) -> None:
        """EXTERNAL AUTHENTICATE ``00 82 00 keyId 10 crypt orig``.

        ``KeyAuthenticationFailed`` when the card refuses the cryptogram (``63Cx``) or the
        key is blocked (``6983``); ``6984`` (challenge not valid) is a CardCommandError.
        """
        command = CommandApdu(
            0x00, c.INS_EXTERNAL_AUTHENTICATE, 0x00, key_id, cryptogram + original
        )
        sw = self._processor.send(command).sw
        if sw == status.OK:
            return
        key = {c.KEY_ID_READ: "RKSSSE", c.KEY_ID_UPDATE: "UK"}.get(key_id, f"{key_id:02X}")
        tries = status.tries_left(sw)
        if tries is not None:
            raise KeyAuthenticationFailed(sw, key, tries)
        if sw == status.AUTHENTICATION_BLOCKED:
            raise KeyAuthenticationFailed(sw, key, 0)
        raise CardCommandError(sw, f"EXTERNAL AUTHENTICATE {key}")
