"""The numbers on a social security card (profile §4): validators and builders.

- social security number: GB 11643-1999 citizen number, ISO 7064 MOD 11-2 check character;
- card number: 8 characters ``0-9A-Z`` + a GB 11714-style check character;
- card identification code: region (BCD) ‖ RID ‖ chip serial ‖ first 4 bytes of
  SM3(region ‖ RID ‖ chip serial) [profile].

Every rejection raises ``InvalidNumberError`` (a ``ValueError``) saying what is wrong.
Messages never repeat the number itself: it is personal data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from cryptography.hazmat.primitives import hashes

from readers.card.constants import RID
from readers.iso7816.codecs import decode_cn, encode_cn
from readers.iso7816.errors import FieldCodecError


class InvalidNumberError(ValueError):
    """A social security number, card number or card identification code is malformed."""


def _is_decimal(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _check_region_code(region_code: str) -> None:
    if len(region_code) != 6 or not _is_decimal(region_code):
        raise InvalidNumberError(f"a region code is 6 digits, got {region_code!r}")


# --- social security number (GB 11643-1999) -------------------------------------------

_SSN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_SSN_CHECK_CHARACTERS = "10X98765432"  # indexed by the weighted sum mod 11


@dataclass(frozen=True)
class SocialSecurityNumber:
    """A valid 18-character social security number and the facts it encodes."""

    number: str = field(repr=False)
    region_code: str  # GB/T 2260, where the number was first registered
    birth_date: date = field(repr=False)
    sequence: str = field(repr=False)  # 3 digits; odd for men, even for women

    @property
    def sex(self) -> Literal["1", "2"]:
        """GB/T 2261.1 sex code implied by the sequence: ``"1"`` male, ``"2"`` female."""
        return "1" if int(self.sequence) % 2 else "2"


def social_security_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character (``0-9`` or ``X``) for 17 digits."""
    if len(first17) != 17 or not _is_decimal(first17):
        raise InvalidNumberError(
            f"a check character is computed over 17 digits, got {len(first17)} characters"
            + ("" if _is_decimal(first17) else " that are not all digits")
        )
    total = sum(int(digit) * weight for digit, weight in zip(first17, _SSN_WEIGHTS, strict=True))
    return _SSN_CHECK_CHARACTERS[total % 11]


def _birth_date(digits: str) -> date:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise InvalidNumberError(
            "social security number: positions 7-14 are not a calendar date (YYYYMMDD)"
        ) from None


def normalise_social_security_number(text: str) -> str:
    """The canonical 18-character form of a social security number, or InvalidNumberError.

    Whitespace is removed, a lowercase ``x`` becomes ``X``, and an old 15-digit number
    is converted by inserting ``19`` after its region code and adding the check character.
    """
    number = "".join(text.split()).upper()
    if len(number) == 15:
        if not _is_decimal(number):
            raise InvalidNumberError("a 15-character social security number must be all digits")
        body = number[:6] + "19" + number[6:]
        _birth_date(body[6:14])
        return body + social_security_check_character(body)
    if len(number) != 18:
        raise InvalidNumberError(
            f"a social security number has 18 characters (or 15 for an old one), got {len(number)}"
        )
    body, check = number[:17], number[17]
    if not _is_decimal(body):
        raise InvalidNumberError("the first 17 characters of a social security number are digits")
    if check not in _SSN_CHECK_CHARACTERS:
        raise InvalidNumberError(
            f"the last character of a social security number is a digit or X, got {check!r}"
        )
    _birth_date(body[6:14])
    expected = social_security_check_character(body)
    if check != expected:
        raise InvalidNumberError(
            f"wrong social security number check character: expected {expected}, got {check}"
        )
    return number


def parse_social_security_number(text: str) -> SocialSecurityNumber:
    """Normalise (see ``normalise_social_security_number``) and split into its parts."""
    number = normalise_social_security_number(text)
    return SocialSecurityNumber(
        number=number,
        region_code=number[:6],
        birth_date=_birth_date(number[6:14]),
        sequence=number[14:17],
    )


def build_social_security_number(region_code: str, birth_date: date, sequence: int) -> str:
    """The 18-character number for a region, birth date and sequence (0–999)."""
    _check_region_code(region_code)
    if not 0 <= sequence <= 999:
        raise InvalidNumberError(f"a sequence is 0 to 999, got {sequence}")
    if not 1000 <= birth_date.year <= 9999:
        raise InvalidNumberError(f"a birth year has 4 digits, got {birth_date.year}")
    body = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return body + social_security_check_character(body)


# --- card number (GB 11714-style check character) -------------------------------------

CARD_NUMBER_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # a character's value is its index
_CARD_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _check_card_body(first8: str) -> None:
    if len(first8) != 8 or any(c not in CARD_NUMBER_ALPHABET for c in first8):
        raise InvalidNumberError(
            "a card number starts with 8 characters from 0-9 and A-Z (upper case), "
            f"got {len(first8)} characters"
            + ("" if all(c in CARD_NUMBER_ALPHABET for c in first8) else " with others among them")
        )


def card_number_check_character(first8: str) -> str:
    """The check character of a card number's first 8 characters: ``0-9`` or ``X``."""
    _check_card_body(first8)
    total = sum(
        CARD_NUMBER_ALPHABET.index(c) * w for c, w in zip(first8, _CARD_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def validate_card_number(text: str) -> str:
    """The card number in upper case if its check character is right, else InvalidNumberError."""
    number = text.strip().upper()
    if len(number) != 9:
        raise InvalidNumberError(f"a card number has 9 characters, got {len(number)}")
    _check_card_body(number[:8])
    expected = card_number_check_character(number[:8])
    if number[8] != expected:
        raise InvalidNumberError(
            f"wrong card number check character: expected {expected}, got {number[8]}"
        )
    return number


# --- card identification code ----------------------------------------------------------

CARD_IDENTIFICATION_CODE_LENGTH = 16
CHIP_SERIAL_LENGTH = 4
_DIGEST_LENGTH = 4


@dataclass(frozen=True)
class CardIdentificationCode:
    """A structurally valid card identification code, split into its parts.

    ``digest_ok`` tells whether the last 4 bytes follow this project's SM3 rule; cards of
    other issuers may fill them differently, so a mismatch alone is not an error.
    """

    code: bytes
    region_code: str
    chip_serial: bytes
    digest: bytes
    digest_ok: bool


def _digest(region_bcd: bytes, chip_serial: bytes) -> bytes:
    sm3 = hashes.Hash(hashes.SM3())
    sm3.update(region_bcd + RID + chip_serial)
    return sm3.finalize()[:_DIGEST_LENGTH]


def build_card_identification_code(region_code: str, chip_serial: bytes) -> bytes:
    """The 16-byte card identification code for a 6-digit region and a 4-byte chip serial."""
    _check_region_code(region_code)
    if len(chip_serial) != CHIP_SERIAL_LENGTH:
        raise InvalidNumberError(
            f"a chip serial is {CHIP_SERIAL_LENGTH} bytes, got {len(chip_serial)}"
        )
    region_bcd = encode_cn(region_code, 3)
    return region_bcd + RID + chip_serial + _digest(region_bcd, chip_serial)


def parse_card_identification_code(
    code: bytes, *, verify_digest: bool = False
) -> CardIdentificationCode:
    """Split a card identification code; with ``verify_digest`` a wrong digest is an error.

    The region must be 6 BCD digits but need not be a known region.
    """
    if len(code) != CARD_IDENTIFICATION_CODE_LENGTH:
        raise InvalidNumberError(
            f"a card identification code is {CARD_IDENTIFICATION_CODE_LENGTH} bytes, "
            f"got {len(code)}"
        )
    region_bcd, rid, chip_serial, digest = code[:3], code[3:8], code[8:12], code[12:]
    try:
        region_code = decode_cn(region_bcd)
    except FieldCodecError:
        region_code = ""
    if len(region_code) != 6:
        raise InvalidNumberError(
            f"card identification code: the region is not 6 BCD digits ({region_bcd.hex().upper()})"
        )
    if rid != RID:
        raise InvalidNumberError(
            f"card identification code: expected RID {RID.hex().upper()}, got {rid.hex().upper()}"
        )
    expected = _digest(region_bcd, chip_serial)
    if verify_digest and digest != expected:
        raise InvalidNumberError(
            f"card identification code: wrong digest, expected {expected.hex().upper()}, "
            f"got {digest.hex().upper()}"
        )
    return CardIdentificationCode(
        code=bytes(code),
        region_code=region_code,
        chip_serial=chip_serial,
        digest=digest,
        digest_ok=digest == expected,
    )
