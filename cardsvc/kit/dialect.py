"""What differs between PostgreSQL and SQLite, said once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session

_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def locks_rows(session: Session) -> bool:
    """Whether ``SELECT … FOR UPDATE`` and advisory locks mean anything (PostgreSQL).

    SQLite takes the database's write lock at ``BEGIN IMMEDIATE``: its writers are
    serial, and row locks are left out of its statements.
    """
    return session.get_bind().dialect.name == "postgresql"


def serialise(session: Session, key: int) -> None:
    """Hold the transaction-scoped lock ``key`` until commit (PostgreSQL; SQLite is serial)."""
    if locks_rows(session):
        session.execute(_ADVISORY_LOCK, {"key": key})


def among(column: InstrumentedAttribute[Any], name: str, dialect: str) -> ColumnElement[bool]:
    """``column`` is one of the values of the list parameter ``name``.

    On PostgreSQL the list is one array parameter (``= ANY(:name)``): one statement text
    and one prepared plan whatever its length, and one value to bind. An expanding
    ``IN`` renders, converts and plans a new statement for each length, and binds every
    item apart: for a batch of identifies, twice the client CPU. Elsewhere, ``IN``.
    Statements using it are built per dialect (``dialect.name``).
    """
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))
