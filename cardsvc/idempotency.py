"""Idempotency keys for mutations: a repeated request gets the first answer again."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from cardsvc.errors import ConflictError
from cardsvc.kit.base import Base
from cardsvc.kit.dialect import locks_rows
from cardsvc.kit.types import utcnow


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("clerk_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("clerks.id"))
    key: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


_CLAIM = text("SELECT pg_try_advisory_xact_lock(:key)")


class IdempotencyInProgressError(ConflictError):
    """The same key's first request is still running: send the retry again shortly."""

    retryable = True


def _lock_key(clerk_id: int, key: str) -> int:
    """A signed 64-bit advisory lock key for (clerk, idempotency key)."""
    digest = hashlib.sha256(f"idempotency\0{clerk_id}\0{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\0".join([method.encode(), path.encode(), body])).hexdigest()


def run_once(
    session: Session,
    clerk_id: int,
    key: str,
    request_fingerprint: str,
    action: Callable[[], BaseModel],
) -> tuple[str, bool]:
    """The JSON answer to this request and whether it is a replay of an earlier one.

    The key is claimed before anything else: on PostgreSQL a transaction-scoped advisory
    lock on the clerk and key, so a retry sent while the first request still runs answers
    a retryable "in progress" (409) instead of running again, and once the first has
    committed every retry finds its record and replays its answer. (SQLite's writers are
    serial: the lookup and the insert are one critical section already.) The record is
    written in the caller's transaction, so it exists exactly when the change it
    describes was committed.
    """
    if locks_rows(session):
        claimed = session.scalar(_CLAIM, {"key": _lock_key(clerk_id, key)})
        if not claimed:
            raise IdempotencyInProgressError(
                "相同幂等键的业务正在办理中，请稍后重试", code="idempotency_in_progress"
            )
    earlier = session.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.clerk_id == clerk_id, IdempotencyRecord.key == key
        )
    ).one_or_none()
    if earlier is not None:
        if earlier.fingerprint != request_fingerprint:
            raise ConflictError("该幂等键已用于另一笔业务", code="idempotency_key_reused")
        return earlier.response, True
    response = action().model_dump_json()
    session.add(
        IdempotencyRecord(
            clerk_id=clerk_id,
            key=key,
            fingerprint=request_fingerprint,
            response=response,
        )
    )
    session.flush()
    return response, False
