"""The audit trail a request writes to, and verification of the whole chain."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from sqlalchemy.orm import Session

from cardsvc.audit.chain import (
    GENESIS_HASH,
    Break,
    ChainedRow,
    canonical_json,
    personal,
    row_hash,
    verify,
)
from cardsvc.audit.models import AuditEvent
from cardsvc.audit.repository import AuditRepository
from cardsvc.db import utcnow
from cardsvc.errors import Refusal


class Who(Protocol):
    """Whoever acts: an authenticated ``Actor``, or the clerk named in a ``Refusal``."""

    @property
    def clerk_id(self) -> int: ...

    @property
    def window_id(self) -> int: ...


class AuditTrail:
    """Appends events for one actor (or the system, when ``actor`` is None)."""

    def __init__(self, session: Session, actor: Who | None, secret: bytes) -> None:
        self._repository = AuditRepository(session)
        self._actor = actor
        self._secret = secret

    def personal(self, value: str, masked: str) -> str:
        return personal(self._secret, value, masked)

    def read(self, subject_type: str, subject_id: object, purpose: str, **details: Any) -> None:
        self.record("read", subject_type, subject_id, purpose=purpose, payload=details)

    def change(
        self,
        action: str,
        subject_type: str,
        subject_id: object,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        self.record(action, subject_type, subject_id, payload={"before": before, "after": after})

    def record(
        self,
        action: str,
        subject_type: str,
        subject_id: object,
        *,
        purpose: str | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> None:
        tail = self._repository.lock_tail()
        seq, previous = (tail[0] + 1, tail[1]) if tail else (1, GENESIS_HASH)
        row = ChainedRow(
            seq=seq,
            occurred_at=utcnow(),
            clerk_id=self._actor.clerk_id if self._actor else None,
            window_id=self._actor.window_id if self._actor else None,
            action=action,
            purpose=purpose,
            subject_type=subject_type,
            subject_id=str(subject_id),
            payload=canonical_json(dict(payload or {})),
            previous_hash=previous,
        )
        self._repository.add({**vars(row), "hash": row_hash(row)})


def record_refusal(session: Session, secret: bytes, refusal: Refusal, code: str) -> None:
    """Append a refused access (the caller commits it in a transaction of its own)."""
    AuditTrail(session, refusal, secret).record(
        "refused",
        refusal.subject_type,
        refusal.subject_id,
        purpose=refusal.purpose,
        payload={"permission": refusal.permission, "code": code},
    )


def _chained(event: AuditEvent) -> ChainedRow:
    return ChainedRow(
        seq=event.seq,
        occurred_at=event.occurred_at,
        clerk_id=event.clerk_id,
        window_id=event.window_id,
        action=event.action,
        purpose=event.purpose,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        payload=event.payload,
        previous_hash=event.previous_hash,
    )


def verify_chain(session: Session) -> Iterator[Break]:
    """Every break in the stored chain, oldest first."""
    events = AuditRepository(session).in_order()
    return verify((_chained(event), event.hash) for event in events)
