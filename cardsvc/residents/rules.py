"""Pure rules for residents: social security numbers (GB 11643), names, masking.

Messages are for clerks (Chinese) and never repeat the number or the name.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from cardsvc.errors import InvalidDataError
from cardsvc.kit.text import TextRefusedError, checked_text

_SSN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_SSN_CHECK_CHARACTERS = "10X98765432"  # indexed by the weighted sum mod 11
# The earliest birth date of a resident the register takes: nobody born before is alive.
EARLIEST_BIRTH = date(1900, 1, 1)


class Sex(StrEnum):
    """GB/T 2261.1 codes."""

    male = "1"
    female = "2"


def _invalid_ssn(detail: str) -> InvalidDataError:
    return InvalidDataError(detail, code="invalid_social_security_number")


def ssn_check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character over 17 digits."""
    if len(first17) != 17 or not (first17.isascii() and first17.isdigit()):
        raise _invalid_ssn("社会保障号码前17位应为数字")
    total = sum(int(d) * w for d, w in zip(first17, _SSN_WEIGHTS, strict=True))
    return _SSN_CHECK_CHARACTERS[total % 11]


@dataclass(frozen=True)
class SocialSecurityNumber:
    number: str
    birth_date: date
    sex: Sex


def parse_ssn(text: str, today: date | None = None) -> SocialSecurityNumber:
    """The normalised number (``x`` → ``X``) and what it encodes, or ``InvalidDataError``."""
    number = text.strip().upper()
    if len(number) != 18:
        raise _invalid_ssn("社会保障号码应为18位")
    if ssn_check_character(number[:17]) != number[17]:
        raise _invalid_ssn("社会保障号码校验位不正确，请核对")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise _invalid_ssn("社会保障号码中的出生日期无效") from None
    if not EARLIEST_BIRTH <= birth <= (today or date.today()):
        raise _invalid_ssn("社会保障号码中的出生日期不在合理范围内（1900年以来、不晚于今天）")
    sex = Sex.male if int(number[14:17]) % 2 else Sex.female
    return SocialSecurityNumber(number, birth, sex)


def check_name(name: str) -> str:
    """A name as stored: trimmed, 1–30 characters, encodable in GBK (what the card holds)."""
    try:
        cleaned = checked_text(name, max_length=30, gbk=True)
        if any(unicodedata.category(ch) == "Nd" for ch in cleaned):
            raise TextRefusedError("digits", "姓名不能含有数字")
        if "|" in cleaned:  # the ministry's pipe string separates fields with it
            raise TextRefusedError("separator", "姓名不能含有“|”")
        return cleaned
    except TextRefusedError as refused:
        detail = {
            "not_gbk": "姓名含有无法写入社会保障卡的字符（须符合GBK编码）",
            "control_characters": "姓名含有不可见字符",
            "digits": "姓名不能含有数字",
            "separator": "姓名不能含有“|”",
        }.get(refused.code, "姓名长度应为1至30个字符")
        raise InvalidDataError(detail, code="invalid_name") from None


def mask_ssn(number: str) -> str:
    """``320102199001010021`` → ``3201**********0021``."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_name(name: str) -> str:
    """``张三`` → ``张*``; ``欧阳娜娜`` → ``欧***``."""
    return name[:1] + "*" * (len(name) - 1)
