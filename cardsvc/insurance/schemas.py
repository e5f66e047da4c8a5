"""What the insurance services take (validated inputs, built by the workflow or a route)
and what the routes answer. Money is integer fen; rates are fractions (``"0.16"``);
periods are ``YYYY-MM``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
)

from cardsvc.ids import RowId
from cardsvc.insurance.rules import (
    MATERNITY_MAX_MONTHS,
    BenefitKind,
    BenefitStatus,
    Category,
    CertificationMethod,
    ContributionStatus,
    EnrolmentEvent,
    EnrolmentStatus,
    FemaleTrack,
    Scheme,
    TransferDirection,
    TransferStatus,
    parse_period,
    period_text,
)
from cardsvc.kit.text import IsoDate, TextRule


def _period(value: object, info: ValidationInfo) -> object:
    # Built in Python (the workflow), a period may already be the stored YYYYMM.
    if isinstance(value, int) and not isinstance(value, bool) and info.mode == "python":
        value = period_text(value)
    if isinstance(value, str):
        try:
            return parse_period(value)
        except ValueError:
            pass
    raise ValueError("a period is written YYYY-MM (e.g. 2024-01)")


_PERIOD_SCHEMA = WithJsonSchema(
    {"type": "string", "pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])$", "examples": ["2024-01"]}
)
# A contribution month: ``"2024-01"`` in JSON, ``202401`` inside.
Period = Annotated[int, BeforeValidator(_period), _PERIOD_SCHEMA]
# The same in an answer, built from the stored ``YYYYMM``.
PeriodOut = Annotated[int, PlainSerializer(period_text, return_type=str), _PERIOD_SCHEMA]
# Money in fen: positive and within what a column holds.
Fen = Annotated[int, Field(ge=1, le=2**31 - 1, strict=True, description="Integer fen (分)")]
Rate = Annotated[
    Decimal,
    Field(
        ge=0,
        le=Decimal("0.3"),
        max_digits=7,
        decimal_places=6,
        description="A fraction of the base: 0.16 is 16%",
        examples=["0.16"],
    ),
]
RegionCode = Annotated[str, Field(pattern=r"^[0-9]{6}$", description="GB/T 2260 region code")]
Year = Annotated[int, Field(ge=1990, le=2100, strict=True)]
Reason = Annotated[str, TextRule(100, min_length=2, gbk=True)]


# ---------------------------------------------------------------- service inputs


class EnrolmentInput(BaseModel):
    """参保登记: an employee through their employer, or an urban-rural resident alone."""

    model_config = ConfigDict(extra="forbid")

    resident_id: RowId
    scheme: Scheme
    category: Category
    employer_id: RowId | None = None
    enrolled_on: IsoDate
    # Service before personal accounts that counts as contribution (视同缴费), pension only.
    months_deemed: Annotated[int, Field(ge=0, le=600, strict=True)] = 0


class EmployeeContributions(BaseModel):
    """缴费申报: the same base and rates for each month from ``first_period`` to ``last_period``."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["employee"] = "employee"
    enrolment_id: RowId
    first_period: Period
    last_period: Period
    base_fen: Fen
    employer_rate: Rate
    personal_rate: Rate
    # Paid now, or declared and owed (欠缴).
    paid: bool = True


class ResidentContribution(BaseModel):
    """An urban-rural resident's contribution for a year, at one of its grades (缴费档次)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["resident"] = "resident"
    enrolment_id: RowId
    year: Year
    amount_fen: Fen
    paid: bool = True


Declaration = Annotated[EmployeeContributions | ResidentContribution, Field(discriminator="kind")]


class ArrearsPayment(BaseModel):
    """补缴: the owed months from ``first_period`` to ``last_period`` are paid."""

    model_config = ConfigDict(extra="forbid")

    enrolment_id: RowId
    first_period: Period
    last_period: Period
    paid_on: IsoDate


class EnrolmentChange(BaseModel):
    """暂停、续保、单位变更、终止 (a transfer out goes through ``TransferInput``)."""

    model_config = ConfigDict(extra="forbid")

    enrolment_id: RowId
    event: Literal[
        EnrolmentEvent.suspend,
        EnrolmentEvent.resume,
        EnrolmentEvent.change_employer,
        EnrolmentEvent.terminate,
    ]
    effective_on: IsoDate
    # The new employer: required to change employer, optional to resume with another.
    employer_id: RowId | None = None
    reason: Reason | None = None


class BenefitClaim(BaseModel):
    """待遇申领, approved: the benefit is paid monthly from ``first_period``."""

    model_config = ConfigDict(extra="forbid")

    resident_id: RowId
    kind: BenefitKind
    first_period: Period
    monthly_amount_fen: Fen
    # Women's basic pension: the post decides the statutory retirement age.
    female_track: FemaleTrack | None = None
    # Maternity allowance: the months of leave it is paid for.
    months: Annotated[int, Field(ge=1, le=MATERNITY_MAX_MONTHS, strict=True)] | None = None


class TransferInput(BaseModel):
    """关系转移接续.

    ``out``: the resident's open enrolment of the scheme here moves to ``other_region``
    (in transit until the receiving side takes it, when that side is in this province).
    ``in``: months carried from elsewhere join the resident's open enrolment here: from a
    transfer in transit (``transfer_id``, within the province) or from another province
    (``other_region`` and ``months_carried``).
    """

    model_config = ConfigDict(extra="forbid")

    resident_id: RowId
    scheme: Scheme
    direction: TransferDirection
    effective_on: IsoDate
    other_region: RegionCode | None = None
    transfer_id: RowId | None = None
    months_carried: Annotated[int, Field(ge=0, le=600, strict=True)] | None = None


class CertificationInput(BaseModel):
    """A retiree's yearly qualification certification (资格认证)."""

    model_config = ConfigDict(extra="forbid")

    resident_id: RowId
    year: Year
    certified_on: IsoDate
    method: CertificationMethod


class LimitsInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    floor_fen: Fen
    cap_fen: Fen
    grades_fen: list[Fen] | None = Field(
        default=None, max_length=30, description="Urban-rural residents' yearly grades"
    )


# ---------------------------------------------------------------- answers


class SchemeSummary(BaseModel):
    """One scheme as the window shows it: the current enrolment (its months and base),
    with the arrears of all the resident's enrolments of it."""

    scheme: Scheme
    category: Category
    status: EnrolmentStatus
    region_code: str
    employer_id: int | None
    enrolled_on: date
    months_paid: int = Field(description="Months paid in this enrolment")
    months_counted: int = Field(
        description="Months that count toward a benefit: paid, deemed (视同缴费), carried in"
    )
    months_in_arrears: int
    arrears_fen: int
    current_base_fen: int | None
    last_period: PeriodOut | None


class BenefitSummary(BaseModel):
    id: int
    kind: BenefitKind
    monthly_amount_fen: int
    first_period: PeriodOut
    last_period: PeriodOut | None
    last_paid_period: PeriodOut | None


class InsuranceSummary(BaseModel):
    resident_id: int
    schemes: list[SchemeSummary]
    benefits: list[BenefitSummary] = Field(description="Benefits being paid")


class EnrolmentOut(BaseModel):
    id: int
    scheme: Scheme
    category: Category
    status: EnrolmentStatus
    region_code: str
    employer_id: int | None
    enrolled_on: date
    status_changed_on: date
    months_paid: int
    months_deemed: int
    months_carried_in: int
    months_in_arrears: int
    arrears_fen: int
    current_base_fen: int | None
    last_period: PeriodOut | None


class BenefitOut(BaseModel):
    id: int
    kind: BenefitKind
    status: BenefitStatus
    monthly_amount_fen: int
    first_period: PeriodOut
    last_period: PeriodOut | None
    months_paid: int
    paid_fen: int
    last_paid_period: PeriodOut | None
    started_on: date


class TransferOut(BaseModel):
    id: int
    scheme: Scheme
    direction: TransferDirection
    from_region: str
    to_region: str
    months_carried: int
    status: TransferStatus
    started_on: date
    completed_on: date | None


class CertificationOut(BaseModel):
    year: int
    certified_on: date
    method: CertificationMethod
    window_id: int | None


class InsuranceRecords(BaseModel):
    """What ``GET /residents/{id}/insurance`` answers (contributions are paged apart)."""

    summary: InsuranceSummary
    enrolments: list[EnrolmentOut]
    benefits: list[BenefitOut]
    transfers: list[TransferOut]
    certifications: list[CertificationOut]


class ContributionOut(BaseModel):
    enrolment_id: int
    scheme: Scheme
    period: PeriodOut
    months: int
    employer_id: int | None
    base_fen: int | None
    employer_rate: Decimal
    personal_rate: Decimal
    employer_amount_fen: int
    personal_amount_fen: int
    status: ContributionStatus
    paid_on: date | None


class LimitsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    region_code: str
    year: int
    scheme: Scheme
    category: Category
    floor_fen: int
    cap_fen: int
    grades_fen: list[int] | None
