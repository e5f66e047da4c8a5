"""Inserting many rows at once: COPY on PostgreSQL, batched inserts elsewhere."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session


def bulk_insert(
    session: Session, table: Table, rows: Iterable[dict[str, Any]], *, batch: int = 10_000
) -> int:
    """Insert ``rows`` into ``table`` and count them: COPY on PostgreSQL, else batches.

    COPY takes a quarter of the CPU of ``executemany`` per row, but it bypasses column
    types: values must already be what the driver takes (aware datetimes, enum values).
    """
    names = [column.name for column in table.columns]
    count = 0
    if session.get_bind().dialect.name == "postgresql":
        driver = session.connection().connection.driver_connection
        assert driver is not None  # noqa: S101 - an open connection has its driver
        with driver.cursor() as cursor:
            statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row([row[name] for name in names])
                    count += 1
        return count
    pending: list[dict[str, Any]] = []
    for row in rows:
        pending.append(row)
        if len(pending) == batch:
            session.execute(insert(table), pending)
            count += len(pending)
            pending = []
    if pending:
        session.execute(insert(table), pending)
        count += len(pending)
    return count
