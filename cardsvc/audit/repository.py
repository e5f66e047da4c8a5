from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent

# Any constant: the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK = 0x55CA7D


class AuditRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_tail(self) -> tuple[int, str] | None:
        """Serialise appenders (PostgreSQL; SQLite writers are serial), then the last row."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
        row = self.session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).one_or_none()
        return (row.seq, row.hash) if row else None

    def add(self, event: AuditEvent) -> None:
        self.session.add(event)
        self.session.flush()

    def in_order(self) -> Iterator[AuditEvent]:
        yield from self.session.scalars(
            select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=1000)
        )
