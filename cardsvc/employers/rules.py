"""Pure rules for employers: the unified social credit code (GB 32100-2015) and
employment spans.

Messages are for clerks (Chinese) and never repeat the code they refuse.
"""

from __future__ import annotations

from datetime import date

from cardsvc.errors import InvalidDataError

# GB 32100-2015 §4: digits and upper-case letters except I, O, S, V and Z (31 characters);
# a character's value is its place here.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# GB/T 17710 (ISO 7064) MOD 31-3 as GB 32100 specifies it: weight i = 3**i mod 31.
_USCC_WEIGHTS = tuple(pow(3, i, len(USCC_ALPHABET)) for i in range(17))
_LETTERS_NOT_USED = frozenset("IOSVZ")

# First character: the registration authority (登记管理部门), GB 32100-2015 and its
# amendment No. 1 (2016) with the codes the national code centre added since.
REGISTRATION_AUTHORITIES: dict[str, str] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "市场监督管理（工商）",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}

# Nobody under 16 may be employed (劳动法 第十五条).
MIN_WORKING_AGE = 16


def _invalid_code(detail: str) -> InvalidDataError:
    return InvalidDataError(detail, code="invalid_credit_code")


def uscc_check_character(first17: str) -> str:
    """The 18th character of the unified social credit code whose first 17 are given."""
    if len(first17) != 17 or any(ch not in USCC_ALPHABET for ch in first17):
        raise _invalid_code("统一社会信用代码前17位应为数字或大写字母（不含I、O、S、V、Z）")
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[-total % len(USCC_ALPHABET)]


def parse_uscc(text: str) -> str:
    """The code as stored (trimmed, upper case), or ``InvalidDataError`` saying what is wrong."""
    code = text.strip().upper()
    if len(code) != 18:
        raise _invalid_code("统一社会信用代码应为18位")
    if _LETTERS_NOT_USED & set(code):
        raise _invalid_code("统一社会信用代码不使用字母I、O、S、V、Z，请核对（数字0、1、2、5易混）")
    if any(ch not in USCC_ALPHABET for ch in code):
        raise _invalid_code("统一社会信用代码只含数字和大写字母")
    if code[0] not in REGISTRATION_AUTHORITIES:
        raise _invalid_code("统一社会信用代码第1位（登记管理部门代码）无效")
    if code[1] not in "123456789":
        raise _invalid_code("统一社会信用代码第2位（机构类别代码）无效")
    if not code[2:8].isdigit():
        raise _invalid_code("统一社会信用代码第3至8位应为行政区划代码（6位数字）")
    if uscc_check_character(code[:17]) != code[17]:
        raise _invalid_code("统一社会信用代码校验位不正确，请核对")
    return code


def check_employment_span(
    started_on: date, ended_on: date | None, birth_date: date, today: date
) -> None:
    """An employment relation's dates: from the 16th birthday on, not in the future, in order."""
    if started_on > today:
        raise InvalidDataError("用工开始日期不能晚于今天", code="invalid_employment_dates")
    if started_on < _birthday(birth_date, MIN_WORKING_AGE):
        raise InvalidDataError("不得招用未满十六周岁的未成年人", code="under_working_age")
    if ended_on is not None:
        check_employment_end(started_on, ended_on, today)


def check_employment_end(started_on: date, ended_on: date, today: date) -> None:
    if ended_on < started_on:
        raise InvalidDataError("用工终止日期不能早于开始日期", code="invalid_employment_dates")
    if ended_on > today:
        raise InvalidDataError("用工终止日期不能晚于今天", code="invalid_employment_dates")


def overlaps(first: tuple[date, date | None], second: tuple[date, date | None]) -> bool:
    """Whether two spans (start, end or None: still running) share a day."""
    (a_start, a_end), (b_start, b_end) = first, second
    return (a_end is None or b_start <= a_end) and (b_end is None or a_start <= b_end)


def _birthday(birth: date, years: int) -> date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # born on 29 February
        return date(birth.year + years, 3, 1)
