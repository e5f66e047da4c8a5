"""Answers several routers give alike: rows as CSV for a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import Query
from fastapi.responses import Response
from pydantic import BaseModel

Format = Annotated[Literal["json", "csv"], Query(description="json, or csv for a spreadsheet")]
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}


# A cell a spreadsheet would run as a formula (CSV injection) is kept as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_answer(rows: Sequence[BaseModel], row_type: type[BaseModel], name: str) -> Response:
    """The rows as UTF-8 CSV with a byte-order mark (so spreadsheets read the Chinese)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row_type.model_fields))
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.model_dump(mode="json").items()})
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def json_answer(
    content: str, status_code: int, replayed: bool, location: str | None = None
) -> Response:
    """A stored JSON answer (``cardsvc.idempotency``), marked when it is a replay."""
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    if location is not None:
        headers["Location"] = location
    return Response(
        content, status_code=status_code, media_type="application/json", headers=headers
    )
