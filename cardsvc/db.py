"""Engine, sessions and the declarative base every model derives from."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Engine,
    Enum,
    MetaData,
    Table,
    TypeDecorator,
    any_,
    bindparam,
    create_engine,
    event,
    insert,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session, sessionmaker

from cardsvc import cooperative

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC timestamp on every backend (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(enum_class: type[StrEnum], length: int) -> Enum:
    """A ``VARCHAR(length)`` column holding the enum's values, read back as members."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime()}  # noqa: RUF012 - SQLAlchemy's class-level map


def utcnow() -> datetime:
    return datetime.now(UTC)


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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


# Connections an engine keeps (PostgreSQL; SQLAlchemy's file-SQLite default is 5 + 10
# overflow, the same total); the app admits as many requests to the database at once.
POOL_SIZE = 15
# Pooled connections older than this are replaced on checkout. No ``pool_pre_ping``: it
# cost every request a round trip (a SELECT 1, ~0.2 ms of server CPU per identify). A
# connection the server dropped fails one request, and SQLAlchemy then discards every
# connection of the pool that predates the failure.
POOL_RECYCLE_S = 1800


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and real transactions.

    Statement parameters are kept out of database errors: they hold social security
    numbers and names, and an unexpected error's message reaches the server's log.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(
        url,
        pool_recycle=POOL_RECYCLE_S,
        pool_size=POOL_SIZE,
        max_overflow=0,
        hide_parameters=True,
    )
    cooperative.install(engine)
    return engine


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


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
