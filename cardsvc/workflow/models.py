"""Applications, their steps, and the time limits set per business item."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cardsvc.kit.base import Base
from cardsvc.kit.types import str_enum, utcnow
from cardsvc.platforms.models import Platform
from cardsvc.workflow.rules import Status, Step


class Application(Base):
    """One resident's application for one business item, taken at a window."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_code: Mapped[str] = mapped_column(String(40))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    # Where it was taken: the platform that does the first review.
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    status: Mapped[Status] = mapped_column(str_enum(Status, 16))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    documents: Mapped[list[str]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    # What approval recorded, e.g. "employment_registration:42".
    outcome: Mapped[str | None] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(default=1)

    platform: Mapped[Platform] = relationship(lazy="joined")
    steps: Mapped[list[ApplicationStep]] = relationship(
        lazy="selectin", order_by="ApplicationStep.id", back_populates="application"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's mapper hook
    __table_args__ = (
        Index("ix_applications_queue", "status", "platform_id", "due_at"),
        Index("ix_applications_resident", "resident_id", "status"),
    )


class ApplicationStep(Base):
    """Who took a step, where, when and why."""

    __tablename__ = "application_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    step: Mapped[Step] = mapped_column(str_enum(Step, 16))
    status_after: Mapped[Status] = mapped_column(str_enum(Status, 16))
    clerk_id: Mapped[int] = mapped_column(ForeignKey("clerks.id"), index=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(String(500))

    application: Mapped[Application] = relationship(back_populates="steps", lazy="raise")


class ItemTimeLimit(Base):
    """A business item's time limit (办结时限) in working days, when set locally."""

    __tablename__ = "item_time_limits"

    item_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    working_days: Mapped[int]
    set_by: Mapped[int] = mapped_column(ForeignKey("clerks.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
