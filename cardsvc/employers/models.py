from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cardsvc.kit.base import Base
from cardsvc.kit.types import utcnow
from cardsvc.platforms.models import Platform


class Employer(Base):
    """An employer in a platform's base ledger (用人单位台账)."""

    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    unified_social_credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    # GB/T 2260: where it is insured (参保地), the county of its platform.
    region_code: Mapped[str] = mapped_column(String(6))
    # The street centre or community station that keeps it in its ledger (jurisdiction).
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    platform: Mapped[Platform] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's mapper hook


class EmploymentRelation(Base):
    """A resident employed by an employer from ``started_on`` until ``ended_on`` (or now)."""

    __tablename__ = "employment_relations"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    employer: Mapped[Employer] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's mapper hook
