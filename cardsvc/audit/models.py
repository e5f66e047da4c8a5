from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cardsvc.kit.base import Base


class AuditEvent(Base):
    """One audit row; ``hash`` covers every other column, including ``previous_hash``."""

    __tablename__ = "audit_events"

    # Assigned by the trail (previous + 1) so a deleted row leaves a visible gap.
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime]
    clerk_id: Mapped[int | None]
    window_id: Mapped[int | None]
    action: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str | None] = mapped_column(String(100))
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(40), index=True)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as stored
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
