"""A resident's employment records, each kept by the platform that recorded it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cardsvc.employment.rules import (
    EntrepreneurshipServiceKind,
    HardshipCategory,
    RegistrationKind,
)
from cardsvc.kit.base import Base
from cardsvc.kit.types import str_enum, utcnow


class EmploymentRegistration(Base):
    """就业登记 / 失业登记: open while ``ended_on`` is empty (one open at a time)."""

    __tablename__ = "employment_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    kind: Mapped[RegistrationKind] = mapped_column(str_enum(RegistrationKind, 16))
    certificate_number: Mapped[str] = mapped_column(String(16), unique=True)
    registered_on: Mapped[date]
    ended_on: Mapped[date | None]
    employer_name: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(String(100))  # why unemployed
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_employment_registrations_resident", "resident_id", "ended_on"),)


class CertificateSequence(Base):
    """The last 就业创业证 sequence used per county and year (guarded in the database)."""

    __tablename__ = "certificate_sequences"

    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class HardshipRecognition(Base):
    """就业困难人员认定 and the assistance measures it opens."""

    __tablename__ = "hardship_recognitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    category: Mapped[HardshipCategory] = mapped_column(str_enum(HardshipCategory, 32))
    measures: Mapped[list[str]] = mapped_column(JSON)
    recognised_on: Mapped[date]
    valid_until: Mapped[date]
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))


class GuaranteedLoan(Base):
    """小额担保贷款 (创业担保贷款) as approved."""

    __tablename__ = "guaranteed_loans"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    amount_fen: Mapped[int]
    term_months: Mapped[int]
    business_name: Mapped[str] = mapped_column(String(100))
    approved_on: Mapped[date]
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))


class SkillRecord(Base):
    """技能培训和鉴定: a course taken, and the certificate it led to if any."""

    __tablename__ = "skill_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    course: Mapped[str] = mapped_column(String(100))
    institution: Mapped[str] = mapped_column(String(100))
    completed_on: Mapped[date]
    occupation: Mapped[str | None] = mapped_column(String(60))
    level: Mapped[int | None]
    certificate_number: Mapped[str | None] = mapped_column(String(30))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))

    __table_args__ = (UniqueConstraint("certificate_number", name="uq_skill_certificate"),)


class EntrepreneurshipService(Base):
    """创业服务 given to a resident."""

    __tablename__ = "entrepreneurship_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    kind: Mapped[EntrepreneurshipServiceKind] = mapped_column(
        str_enum(EntrepreneurshipServiceKind, 16)
    )
    given_on: Mapped[date]
    note: Mapped[str | None] = mapped_column(String(200))
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("applications.id"))
