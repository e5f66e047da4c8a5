"""Labour cases and each step of their progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cardsvc.kit.base import Base
from cardsvc.kit.types import str_enum, utcnow
from cardsvc.labour.rules import CaseKind, CaseStatus, Outcome
from cardsvc.platforms.models import Platform


class LabourCase(Base):
    __tablename__ = "labour_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[CaseKind] = mapped_column(str_enum(CaseKind, 16))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    employer_name: Mapped[str] = mapped_column(String(100))
    employer_credit_code: Mapped[str | None] = mapped_column(String(18))
    summary: Mapped[str] = mapped_column(String(500))
    amount_claimed_fen: Mapped[int | None]
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus, 16))
    outcome: Mapped[Outcome | None] = mapped_column(str_enum(Outcome, 32))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    platform: Mapped[Platform] = relationship(lazy="joined")
    progress: Mapped[list[CaseProgress]] = relationship(
        lazy="selectin", order_by="CaseProgress.id", back_populates="case"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's mapper hook
    __table_args__ = (Index("ix_labour_cases_queue", "status", "platform_id", "due_at"),)


class CaseProgress(Base):
    """One step of a case: who, where, when, what was done."""

    __tablename__ = "labour_case_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("labour_cases.id"), index=True)
    status_after: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus, 16))
    clerk_id: Mapped[int] = mapped_column(ForeignKey("clerks.id"))
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(String(500))

    case: Mapped[LabourCase] = relationship(back_populates="progress", lazy="raise")
