"""Row identifiers as the API accepts them: positive and within the databases' INTEGER.

A larger number can name no row, and PostgreSQL would refuse to compare it with an
INTEGER column: it is refused as invalid input (422) instead.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_ROW_ID = 2**31 - 1

# Strict: a JSON number, never "5\n" or true.
RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID, strict=True)]
