"""Text as the service accepts it, from the API and from import files alike.

Every free-text field is trimmed and then refused when it is empty, too long, holds a
control or format character (NUL, newlines, ANSI escapes, zero-width and bidirectional
marks), a private-use or unassigned code point, or — where it goes onto a card or into
a ledger — a character GBK cannot encode. Codes are ASCII by type: ``[0-9]``, never
``\\d``, which also matches fullwidth and other scripts' digits.

``checked_text`` raises ``TextRefusedError`` with a stable code and a message for the clerk;
``TextRule`` is the same rule for pydantic models (a 422 naming the field and the code).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

# Unicode general categories refused inside text: controls (Cc: NUL, \n, ESC…), format
# characters (Cf: zero-width, bidirectional overrides), surrogates, private use and
# unassigned code points, and line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class TextRefusedError(ValueError):
    """Text that breaks a rule: ``code`` for programs, ``message`` (Chinese) for clerks."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def checked_text(value: str, *, max_length: int, min_length: int = 1, gbk: bool = False) -> str:
    """``value`` trimmed, if it follows the rules above; else ``TextRefusedError``."""
    if len(value) > max_length * 4:  # clearly too long: refused before any scan
        raise TextRefusedError("too_long", f"不能超过{max_length}个字符")
    cleaned = value.strip()
    if not cleaned:
        raise TextRefusedError("blank", "不能为空或只含空白")
    if len(cleaned) < min_length:
        raise TextRefusedError("too_short", f"至少{min_length}个字符")
    if len(cleaned) > max_length:
        raise TextRefusedError("too_long", f"不能超过{max_length}个字符")
    if any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in cleaned):
        raise TextRefusedError("control_characters", "含有控制字符或不可见字符")
    if gbk:
        try:
            cleaned.encode("gbk")
        except UnicodeEncodeError:
            raise TextRefusedError("not_gbk", "含有无法用GBK编码的字符") from None
    return cleaned


@dataclass(frozen=True)
class TextRule:
    """``Annotated[str, TextRule(30, gbk=True)]``: a pydantic string that follows
    ``checked_text`` (a 422 whose ``type`` is ``text_<code>``)."""

    max_length: int
    min_length: int = 1
    gbk: bool = False

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            self._validate, core_schema.str_schema(max_length=self.max_length * 4)
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.update(minLength=self.min_length, maxLength=self.max_length)
        return json_schema

    def _validate(self, value: str) -> str:
        try:
            return checked_text(
                value, max_length=self.max_length, min_length=self.min_length, gbk=self.gbk
            )
        except TextRefusedError as refused:
            raise PydanticCustomError(f"text_{refused.code}", refused.message) from None


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(text: str) -> date:
    """``text`` written YYYY-MM-DD as a date; ``ValueError`` for anything else (a
    timestamp, a date-time, 19991205, a day that does not exist)."""
    if _ISO_DATE.fullmatch(text) is None:
        raise ValueError("a date is written YYYY-MM-DD")
    return date.fromisoformat(text)


def _iso_date_text(value: object) -> object:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return iso_date(value)
        except ValueError:
            pass
    raise PydanticCustomError("date_format", "日期格式应为YYYY-MM-DD")


# A date written as text YYYY-MM-DD, as the import files write it: not a timestamp, not a
# date-time, not 19991205.
IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]
