from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cardsvc.kit.base import Base
from cardsvc.kit.types import str_enum, utcnow
from cardsvc.platforms.models import Platform
from cardsvc.residents.rules import Sex


class Resident(Base):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    social_security_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(30))
    sex: Mapped[Sex] = mapped_column(str_enum(Sex, 1))
    birth_date: Mapped[date]
    ethnic_group: Mapped[str] = mapped_column(String(2))
    household_registration: Mapped[str] = mapped_column(String(200))
    current_address: Mapped[str] = mapped_column(String(200))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    platform: Mapped[Platform] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's mapper hook
    __table_args__ = (
        # A clerk finds a resident by exact name within their jurisdiction: the name
        # first, then the platform, so the jurisdiction is checked inside the index.
        Index("ix_residents_name_platform_id", "name", "platform_id"),
    )
