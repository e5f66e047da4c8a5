"""Social insurance records: enrolments with their monthly contributions, the regions'
base floors and caps, benefits with their monthly payments, transfers between regions,
retirees' yearly certifications.

An enrolment keeps its totals (months paid, months and amount in arrears, the current
base) in step with its contribution rows, in the same unit of work: the resident
summary reads a handful of enrolment rows, however long the history.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from cardsvc.insurance.rules import (
    OPEN,
    BenefitKind,
    BenefitStatus,
    Category,
    CertificationMethod,
    ContributionStatus,
    EnrolmentStatus,
    Scheme,
    TransferDirection,
    TransferStatus,
)
from cardsvc.kit.base import Base
from cardsvc.kit.types import str_enum, utcnow


def _open_sql() -> str:
    return "status IN (" + ", ".join(f"'{status.value}'" for status in sorted(OPEN)) + ")"


class Enrolment(Base):
    """A resident's enrolment (参保登记) in one scheme, in one region."""

    __tablename__ = "insurance_enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    scheme: Mapped[Scheme] = mapped_column(str_enum(Scheme, 16))
    category: Mapped[Category] = mapped_column(str_enum(Category, 10))
    # The employer that pays now (employees); None for urban-rural residents.
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"))
    region_code: Mapped[str] = mapped_column(String(6))  # 参保地, GB/T 2260
    status: Mapped[EnrolmentStatus] = mapped_column(str_enum(EnrolmentStatus, 16))
    enrolled_on: Mapped[date]
    status_changed_on: Mapped[date]
    # Months that count without contribution rows here: service before personal
    # accounts (视同缴费), and months carried in from another region (转移接续).
    months_deemed: Mapped[int] = mapped_column(default=0)
    months_carried_in: Mapped[int] = mapped_column(default=0)
    # Kept with the contribution rows (``rules.totals``).
    months_paid: Mapped[int] = mapped_column(default=0)
    months_in_arrears: Mapped[int] = mapped_column(default=0)
    arrears_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    last_period: Mapped[int | None]  # YYYYMM of the latest contribution row
    current_base_fen: Mapped[int | None]  # the latest employee row's base
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's mapper hook
    __table_args__ = (
        Index(
            "uq_insurance_enrolments_one_open_per_scheme",
            "resident_id",
            "scheme",
            unique=True,
            sqlite_where=text(_open_sql()),
            postgresql_where=text(_open_sql()),
        ),
    )

    @property
    def months_counted(self) -> int:
        """What counts toward a benefit: paid here, deemed and carried in."""
        return self.months_paid + self.months_deemed + self.months_carried_in


class ContributionPeriod(Base):
    """One month's contribution (or a resident's year, ``months`` = 12) of an enrolment.

    The primary key (enrolment, period) is also the index every read of a history uses.
    """

    __tablename__ = "contribution_periods"

    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("insurance_enrolments.id"), primary_key=True
    )
    period: Mapped[int] = mapped_column(primary_key=True)  # YYYYMM, the first month covered
    months: Mapped[int] = mapped_column(SmallInteger, default=1)
    # The employer that declared it (employees); None for residents' own contributions.
    employer_id: Mapped[int | None]
    base_fen: Mapped[int | None]  # employees only
    employer_rate: Mapped[int]  # millionths of the base
    personal_rate: Mapped[int]
    employer_amount_fen: Mapped[int]
    personal_amount_fen: Mapped[int]
    status: Mapped[ContributionStatus] = mapped_column(str_enum(ContributionStatus, 8))
    paid_on: Mapped[date | None]
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContributionLimit(Base):
    """A region's bounds for a year, scheme and category (configurable data).

    Employees: the monthly base's floor and cap (缴费基数上下限). Urban-rural residents:
    the yearly amount's bounds, and the grades (缴费档次) they choose from if set. The
    most specific region wins: county, then city, then province (``rules.region_chain``).
    """

    __tablename__ = "contribution_limits"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6))
    year: Mapped[int]
    scheme: Mapped[Scheme] = mapped_column(str_enum(Scheme, 16))
    category: Mapped[Category] = mapped_column(str_enum(Category, 10))
    floor_fen: Mapped[int]
    cap_fen: Mapped[int]
    grades_fen: Mapped[list[int] | None] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's mapper hook
    __table_args__ = (
        Index(
            "uq_contribution_limits_key",
            "region_code",
            "year",
            "scheme",
            "category",
            unique=True,
        ),
    )


class Benefit(Base):
    """A benefit being paid monthly (待遇), with its payments' totals kept with it."""

    __tablename__ = "benefits"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("insurance_enrolments.id"))
    kind: Mapped[BenefitKind] = mapped_column(str_enum(BenefitKind, 24))
    status: Mapped[BenefitStatus] = mapped_column(str_enum(BenefitStatus, 12))
    monthly_amount_fen: Mapped[int]
    first_period: Mapped[int]
    last_period: Mapped[int | None]  # None: for life, or until stopped
    months_paid: Mapped[int] = mapped_column(default=0)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    last_paid_period: Mapped[int | None]
    started_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's mapper hook
    __table_args__ = (
        Index(
            "uq_benefits_one_being_paid_per_kind",
            "resident_id",
            "kind",
            unique=True,
            sqlite_where=text("status = 'being_paid'"),
            postgresql_where=text("status = 'being_paid'"),
        ),
    )


class BenefitPayment(Base):
    """One month of a benefit paid (待遇发放)."""

    __tablename__ = "benefit_payments"

    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefits.id"), primary_key=True)
    period: Mapped[int] = mapped_column(primary_key=True)
    amount_fen: Mapped[int]
    paid_on: Mapped[date]


class RelationTransfer(Base):
    """An insurance relation moved between regions (关系转移接续)."""

    __tablename__ = "relation_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    scheme: Mapped[Scheme] = mapped_column(str_enum(Scheme, 16))
    direction: Mapped[TransferDirection] = mapped_column(str_enum(TransferDirection, 4))
    from_region: Mapped[str] = mapped_column(String(6))
    to_region: Mapped[str] = mapped_column(String(6))
    months_carried: Mapped[int]
    status: Mapped[TransferStatus] = mapped_column(str_enum(TransferStatus, 12))
    started_on: Mapped[date]
    completed_on: Mapped[date | None]
    outgoing_enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("insurance_enrolments.id"))
    incoming_enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("insurance_enrolments.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's mapper hook


class RetireeCertification(Base):
    """A retiree's yearly qualification certification (资格认证) for their pension."""

    __tablename__ = "retiree_certifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefits.id"))
    year: Mapped[int]
    certified_on: Mapped[date]
    method: Mapped[CertificationMethod] = mapped_column(str_enum(CertificationMethod, 12))
    # Where and by whom, when certified at a window (or recorded by a clerk).
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))
    clerk_id: Mapped[int | None] = mapped_column(ForeignKey("clerks.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("uq_retiree_certifications_resident_year", "resident_id", "year", unique=True),
    )
