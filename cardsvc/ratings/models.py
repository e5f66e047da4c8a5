"""A resident's rating of one service at a window."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cardsvc.kit.base import Base
from cardsvc.kit.types import utcnow
from cardsvc.platforms.models import Platform


class Rating(Base):
    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    score: Mapped[int]
    # The service rated: "application:12", "card:N3BR8G4VX", "identify", …
    service_ref: Mapped[str] = mapped_column(String(60))
    clerk_id: Mapped[int] = mapped_column(ForeignKey("clerks.id"))
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    rated_at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str | None] = mapped_column(String(200))

    platform: Mapped[Platform] = relationship(lazy="joined")

    __table_args__ = (
        # A service is rated once (the terminal may resend after a lost answer).
        UniqueConstraint("service_ref", name="uq_ratings_service"),
        Index("ix_ratings_platform_time", "platform_id", "rated_at"),
    )
