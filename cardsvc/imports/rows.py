"""Pure per-row checks of the import files: one CSV row in, typed values or problems out.

The rules are the API's own (``parse_ssn``, ``check_name``, the card number check
character…), so a row the import accepts is a row a clerk could have entered.
Checks across rows (duplicates) and against the database happen in ``service.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from cardsvc.cards.rules import (
    CardState,
    normalise_card_identification_code,
    normalise_card_number,
)
from cardsvc.errors import InvalidDataError
from cardsvc.kit.text import TextRefusedError, checked_text, iso_date
from cardsvc.residents.ethnic_groups import ETHNIC_GROUPS
from cardsvc.residents.rules import check_name, parse_ssn


@dataclass(frozen=True)
class Problem:
    """One reason a file is refused: CSV line (the header is line 1), column, code, message."""

    line: int
    column: str
    code: str
    message: str  # simplified Chinese, for the clerk; never repeats the offending value


RESIDENT_COLUMNS = (
    "social_security_number",
    "name",
    "sex",
    "birth_date",
    "ethnic_group",
    "household_registration",
    "current_address",
    "community_code",
)
CARD_COLUMNS = (
    "card_number",
    "card_identification_code",
    "social_security_number",
    "generation",
    "key_version",
    "issued_on",
    "expires_on",
    "status",
)
# An employment ledger (就业失业登记台账) kept before this service: one registration a row.
EMPLOYMENT_COLUMNS = (
    "social_security_number",
    "kind",
    "certificate_number",
    "registered_on",
    "ended_on",
    "employer_name",
    "reason",
    "community_code",
)
CARD_GENERATIONS = ("1.00", "2.00", "3.00")
# Imported cards were issued elsewhere: they arrive handed over, possibly already unusable.
IMPORTABLE_STATES = (CardState.normal, CardState.lost, CardState.locked, CardState.cancelled)


def shown(text: str) -> str:
    """``text`` safe to print on a terminal or in a report: control and invisible
    characters as ``\\xNN`` escapes (a header may carry ANSI escape sequences)."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text[:64])


def check_header(header: Sequence[str], expected: Sequence[str]) -> list[Problem]:
    """The header must name every expected column exactly once (any order, no others)."""
    names = [shown(name.strip()) for name in header]
    problems = [
        Problem(1, column, "missing_column", f"缺少列“{column}”")
        for column in expected
        if column not in names
    ]
    problems += [
        Problem(1, name, "unknown_column", f"无法识别的列“{name}”")
        for name in names
        if name not in expected
    ]
    problems += [
        Problem(1, name, "duplicate_column", f"列“{name}”重复出现")
        for index, name in enumerate(names)
        if name in names[:index]
    ]
    return problems


def _text(max_length: int, label: str) -> Callable[[str], str]:
    """The API's text rule (``cardsvc.kit.text``), GBK included: addresses go into ledgers."""

    def check(value: str) -> str:
        try:
            return checked_text(value, max_length=max_length, gbk=True)
        except TextRefusedError as refused:
            raise InvalidDataError(
                f"{label}{refused.message}", code=f"text_{refused.code}"
            ) from None

    return check


def _code(pattern: str, label: str) -> Callable[[str], str]:
    """A code of ASCII characters matching ``pattern`` whole (after trimming)."""
    matcher = re.compile(pattern)

    def check(value: str) -> str:
        cleaned = value.strip()
        if matcher.fullmatch(cleaned) is None:
            raise InvalidDataError(f"{label}格式不正确", code="invalid_code")
        return cleaned

    return check


def _date(value: str) -> date:
    """A date written YYYY-MM-DD, as docs/import-formats.md says (not 19991205)."""
    try:
        return iso_date(value.strip())
    except ValueError:
        raise InvalidDataError("日期格式应为YYYY-MM-DD", code="invalid_date") from None


def _sex(value: str) -> str:
    if value.strip() not in ("1", "2"):
        raise InvalidDataError("性别代码应为1（男）或2（女）", code="invalid_sex")
    return value.strip()


def _ethnic_group(value: str) -> str:
    if value.strip() not in ETHNIC_GROUPS:
        raise InvalidDataError("民族代码无效", code="invalid_ethnic_group")
    return value.strip()


def _ssn(value: str) -> str:
    return parse_ssn(value).number


def _generation(value: str) -> str:
    if value.strip() not in CARD_GENERATIONS:
        raise InvalidDataError("卡规范版本应为1.00、2.00或3.00", code="invalid_generation")
    return value.strip()


def _key_version(value: str) -> int:
    if not value.strip():
        return 1
    if not (value.strip().isascii() and value.strip().isdigit()) or not 1 <= int(value) <= 255:
        raise InvalidDataError("密钥版本应为1至255的整数", code="invalid_key_version")
    return int(value)


_STATES = {state.value: state for state in IMPORTABLE_STATES}


def _status(value: str) -> str:
    status = value.strip() or CardState.normal.value
    if status not in _STATES:
        raise InvalidDataError(
            "卡状态应为normal、lost、locked或cancelled", code="invalid_card_status"
        )
    return status


_REGISTRATION_KINDS = {"就业": "employment", "失业": "unemployment"}
_REGISTRATION_KINDS.update({kind: kind for kind in ("employment", "unemployment")})


def _registration_kind(value: str) -> str:
    kind = _REGISTRATION_KINDS.get(value.strip())
    if kind is None:
        raise InvalidDataError("登记类别应为“就业”或“失业”", code="invalid_registration_kind")
    return kind


def _optional(check: Callable[[str], Any]) -> Callable[[str], Any]:
    """``check`` for a value that may be left empty (None)."""

    def optional(value: str) -> Any:
        return check(value) if value.strip() else None

    return optional


def _card_identification_code(value: str) -> str:
    return normalise_card_identification_code(value)


_RESIDENT_FIELDS: dict[str, Callable[[str], Any]] = {
    "social_security_number": _ssn,
    "name": check_name,
    "sex": _sex,
    "birth_date": _date,
    "ethnic_group": _ethnic_group,
    "household_registration": _text(200, "户籍地址"),
    "current_address": _text(200, "现居住地址"),
    "community_code": _code(r"[0-9A-Za-z]{1,12}", "所属社区（村）平台编码"),
}
_EMPLOYMENT_FIELDS: dict[str, Callable[[str], Any]] = {
    "social_security_number": _ssn,
    "kind": _registration_kind,
    "certificate_number": _code(r"[0-9A-Z]{6,16}", "就业创业证编号"),
    "registered_on": _date,
    "ended_on": _optional(_date),
    "employer_name": _optional(_text(100, "用人单位名称")),
    "reason": _optional(_text(100, "失业原因")),
    "community_code": _code(r"[0-9A-Za-z]{1,12}", "所属社区（村）平台编码"),
}
_CARD_FIELDS: dict[str, Callable[[str], Any]] = {
    "card_number": normalise_card_number,
    "card_identification_code": _card_identification_code,
    "social_security_number": _ssn,
    "generation": _generation,
    "key_version": _key_version,
    "issued_on": _date,
    "expires_on": _date,
    "status": _status,
}


def _parse(
    line: int, raw: dict[str, str], fields: dict[str, Callable[[str], Any]], problems: list[Problem]
) -> dict[str, Any] | None:
    values: dict[str, Any] = {"line": line}
    ok = True
    for column, check in fields.items():
        try:
            values[column] = check(raw.get(column, ""))
        except InvalidDataError as error:
            problems.append(Problem(line, column, error.code, error.detail))
            ok = False
    return values if ok else None


def parse_resident(
    line: int, raw: dict[str, str], problems: list[Problem]
) -> dict[str, Any] | None:
    """The row's values ready to stage, or None with the row's problems appended."""
    values = _parse(line, raw, _RESIDENT_FIELDS, problems)
    if values is None:
        return None
    number = parse_ssn(values["social_security_number"])
    if number.sex.value != values["sex"]:
        problems.append(Problem(line, "sex", "ssn_mismatch", "性别与社会保障号码不一致"))
        return None
    if number.birth_date != values["birth_date"]:
        problems.append(Problem(line, "birth_date", "ssn_mismatch", "出生日期与社会保障号码不一致"))
        return None
    return values


def parse_card(line: int, raw: dict[str, str], problems: list[Problem]) -> dict[str, Any] | None:
    """The row's values ready to stage, or None with the row's problems appended."""
    values = _parse(line, raw, _CARD_FIELDS, problems)
    if values is None:
        return None
    if values["expires_on"] <= values["issued_on"]:
        problems.append(Problem(line, "expires_on", "invalid_dates", "有效期须晚于发卡日期"))
        return None
    return values


def parse_employment(
    line: int, raw: dict[str, str], problems: list[Problem]
) -> dict[str, Any] | None:
    """The row's values ready to stage, or None with the row's problems appended."""
    values = _parse(line, raw, _EMPLOYMENT_FIELDS, problems)
    if values is None:
        return None
    if values["ended_on"] is not None and values["ended_on"] < values["registered_on"]:
        problems.append(Problem(line, "ended_on", "invalid_dates", "终止日期不能早于登记日期"))
        return None
    if values["kind"] == "employment" and values["employer_name"] is None:
        problems.append(
            Problem(line, "employer_name", "employer_required", "就业登记须填写用人单位名称")
        )
        return None
    if values["kind"] == "unemployment" and values["reason"] is None:
        problems.append(Problem(line, "reason", "reason_required", "失业登记须填写失业原因"))
        return None
    return values
