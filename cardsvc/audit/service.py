"""The audit trail a request writes to, and verification of the whole chain."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from cardsvc.audit.chain import (
    GENESIS_HASH,
    Anchor,
    Break,
    ChainedRow,
    canonical_json,
    chain_key,
    personal,
    row_hash,
    sign_anchor,
    verify,
)
from cardsvc.audit.models import AuditEvent
from cardsvc.audit.repository import AuditRepository
from cardsvc.errors import DomainError, Refusal
from cardsvc.kit.pagination import PageRequest, Slice, paginate
from cardsvc.kit.progress import OnProgress, reported
from cardsvc.kit.types import utcnow
from cardsvc.kit.uow import AfterRollback, Sessions, unit_of_work

log = logging.getLogger(__name__)


class Who(Protocol):
    """Whoever acts: an authenticated ``Actor``, or the clerk named in a ``Refusal``."""

    @property
    def clerk_id(self) -> int: ...

    @property
    def window_id(self) -> int: ...


# A record's place in the chain, given by ``append`` when the record is written.
_UNPLACED: dict[str, Any] = {"seq": 0, "previous_hash": ""}


def append(repository: AuditRepository, entries: Sequence[ChainedRow], key: bytes) -> None:
    """Chain ``entries`` (records not yet placed: ``_UNPLACED``) after the tail, in order,
    hashed under the chain ``key``: one lock, one tail read, one insert."""
    if not entries:
        return
    tail = repository.lock_tail()
    seq, previous = (tail[0] + 1, tail[1]) if tail else (1, GENESIS_HASH)
    rows = []
    for entry in entries:
        row = entry._replace(seq=seq, previous_hash=previous)
        previous = row_hash(row, key)
        rows.append({**row._asdict(), "hash": previous})
        seq += 1
    repository.add_all(rows)


class AuditTrail:
    """Appends events for one actor (or the system, when ``actor`` is None).

    Each record is chained at once, unless the trail belongs to an ``AuditBatch``, which
    chains the records of all its trails together when it is written.
    """

    def __init__(
        self,
        session: Session,
        actor: Who | None,
        secret: bytes,
        *,
        pending: list[ChainedRow] | None = None,
    ) -> None:
        self._session = session
        self._actor = actor
        self._secret = secret
        self._pending = pending

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

    def refused(self, refusal: Refusal, code: str) -> None:
        """A refused access; the trail's actor is the refused clerk (see ``record_refusal``)."""
        self.record(
            "refused",
            refusal.subject_type,
            refusal.subject_id,
            purpose=refusal.purpose,
            payload={"permission": refusal.permission, "code": refusal.code or code},
        )

    def record(
        self,
        action: str,
        subject_type: str,
        subject_id: object,
        *,
        purpose: str | None = None,
        payload: Mapping[str, Any] | None = None,
    ) -> None:
        entry = ChainedRow(
            **_UNPLACED,
            occurred_at=utcnow(),
            clerk_id=self._actor.clerk_id if self._actor else None,
            window_id=self._actor.window_id if self._actor else None,
            action=action,
            purpose=purpose,
            subject_type=subject_type,
            subject_id=str(subject_id),
            payload=canonical_json(dict(payload or {})),
        )
        if self._pending is None:
            append(AuditRepository(self._session), [entry], chain_key(self._secret))
        else:
            self._pending.append(entry)


class AuditBatch:
    """The records of many actors in one transaction, chained together by ``write()``.

    Identify answers many windows at once (``cardsvc.batching``): their reads and
    refusals take the chain's lock once per batch instead of once per record.
    """

    def __init__(self, session: Session, secret: bytes) -> None:
        self._session = session
        self._secret = secret
        self._pending: list[ChainedRow] = []

    def trail(self, actor: Who | None) -> AuditTrail:
        return AuditTrail(self._session, actor, self._secret, pending=self._pending)

    def refused(self, refusal: Refusal, code: str) -> None:
        self.trail(refusal).refused(refusal, code)

    def write(self) -> None:
        append(AuditRepository(self._session), self._pending, chain_key(self._secret))
        self._pending.clear()


def record_refusal(session: Session, secret: bytes, refusal: Refusal, code: str) -> None:
    """Append a refused access (the caller commits it in a transaction of its own)."""
    AuditTrail(session, refusal, secret).refused(refusal, code)


def refusals_recorder(secret: bytes) -> AfterRollback:
    """What a unit of work does after it is rolled back: a refused access to personal
    data is audited in a transaction of its own, so the refusal stays on record although
    everything else the request did is undone."""

    def after_rollback(sessions: Sessions, error: BaseException) -> None:
        if not isinstance(error, DomainError) or error.refusal is None:
            return
        try:
            with unit_of_work(sessions) as session:
                record_refusal(session, secret, error.refusal, error.code)
        except Exception:  # the refusal stands even if its record cannot be written
            log.exception("could not audit a refused access (%s)", error.code)

    return after_rollback


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


def verify_chain(
    session: Session,
    audit_secret: bytes,
    anchors: Sequence[Anchor] = (),
    *,
    on_progress: OnProgress | None = None,
) -> Iterator[Break]:
    """Every break in the stored chain, oldest first, and every anchor it fails;
    ``on_progress`` hears of the rows checked out of the last row's place in the chain."""
    repository = AuditRepository(session)
    tail = repository.tail() if on_progress is not None else None
    events = reported(repository.in_order(), on_progress, tail[0] if tail else 0)
    return verify(((_chained(event), event.hash) for event in events), audit_secret, anchors)


def anchor_head(session: Session, audit_secret: bytes, now: datetime) -> Anchor | None:
    """A signed checkpoint of the chain's head as it stands (None: the chain is empty)."""
    head = AuditRepository(session).tail()
    return None if head is None else sign_anchor(audit_secret, head[0], head[1], now)


def events_about(
    session: Session, subjects: Sequence[tuple[str, str]], page: PageRequest
) -> Slice[AuditEvent]:
    """A page of what clerks did to or read of ``subjects``, newest first."""
    return paginate(session, AuditRepository(session).about(subjects), page)
