from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent
from cardsvc.kit.bulk import bulk_insert
from cardsvc.kit.dialect import serialise

# Any constant: the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK = 0x55CA7D

# Built once: Core statements on the session's connection skip the ORM's per-statement
# work (an audit row is written on every read of personal data, so on the identify path).
_TABLE = AuditEvent.metadata.tables[AuditEvent.__tablename__]
_TAIL = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_tail(self) -> tuple[int, str] | None:
        """Serialise appenders (PostgreSQL; SQLite writers are serial), then the last row.

        Two statements: in READ COMMITTED a statement reads the snapshot taken when it
        starts, so a tail read in the statement that waits for the lock could see a tail
        already superseded by the appender it waited for.
        """
        self.session.flush()  # pending changes reach the database before the lock, as before
        serialise(self.session, _CHAIN_LOCK)
        row = self.session.connection().execute(_TAIL).one_or_none()
        return (row.seq, row.hash) if row else None

    def tail(self) -> tuple[int, str] | None:
        """The last row's place and hash, without taking the appenders' lock."""
        row = self.session.connection().execute(_TAIL).one_or_none()
        return (row.seq, row.hash) if row else None

    def add_all(self, rows: list[dict[str, Any]]) -> None:
        """Insert rows (COPY on PostgreSQL; nothing is loaded back into the session)."""
        bulk_insert(self.session, _TABLE, rows)

    def in_order(self) -> Iterator[AuditEvent]:
        yield from self.session.scalars(
            select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=1000)
        )

    def about(self, subjects: Sequence[tuple[str, str]]) -> Select[Any]:
        """Clerks' events about any of ``subjects`` (type, id), newest first."""
        return (
            select(AuditEvent)
            .where(
                AuditEvent.clerk_id.is_not(None),
                or_(
                    *(
                        and_(AuditEvent.subject_type == kind, AuditEvent.subject_id == ident)
                        for kind, ident in subjects
                    )
                ),
            )
            .order_by(AuditEvent.seq.desc())
        )
