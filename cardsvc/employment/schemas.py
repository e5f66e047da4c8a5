"""What a window submits for each employment item, and a resident's employment as read."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cardsvc.employment.rules import (
    LOAN_CAP_FEN,
    LOAN_MAX_MONTHS,
    AssistanceMeasure,
    EntrepreneurshipServiceKind,
    HardshipCategory,
    RegistrationKind,
)
from cardsvc.kit.text import IsoDate, TextRule


class _Details(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmploymentRegistrationDetails(_Details):
    """就业登记."""

    employer_name: Annotated[str, TextRule(100, gbk=True)]
    started_on: IsoDate


class UnemploymentRegistrationDetails(_Details):
    """失业登记."""

    unemployed_since: IsoDate
    reason: Annotated[str, TextRule(100, gbk=True)] = Field(
        description="e.g. 劳动合同期满、用人单位裁员、自主离职"
    )


class HardshipRecognitionDetails(_Details):
    """就业困难人员认定."""

    category: HardshipCategory
    measures: list[AssistanceMeasure] = Field(min_length=1, max_length=len(AssistanceMeasure))


class GuaranteedLoanDetails(_Details):
    """创业担保贷款申请 (amount in fen, integer)."""

    amount_fen: int = Field(gt=0, le=LOAN_CAP_FEN, strict=True)
    term_months: int = Field(ge=1, le=LOAN_MAX_MONTHS, strict=True)
    business_name: Annotated[str, TextRule(100, gbk=True)]


class SkillRecordDetails(_Details):
    """技能培训和鉴定: the course, and the certificate when one was earned."""

    course: Annotated[str, TextRule(100, gbk=True)]
    institution: Annotated[str, TextRule(100, gbk=True)]
    completed_on: IsoDate
    occupation: Annotated[str, TextRule(60, gbk=True)] | None = None
    level: int | None = Field(
        default=None, ge=1, le=5, strict=True, description="1 = 一级/高级技师"
    )
    certificate_number: Annotated[str | None, Field(default=None, pattern=r"^[0-9A-Z]{8,30}$")] = (
        None
    )


class EntrepreneurshipServiceDetails(_Details):
    """创业服务."""

    kind: EntrepreneurshipServiceKind
    note: Annotated[str, TextRule(200, gbk=True)] | None = None


class RegistrationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: RegistrationKind
    certificate_number: str
    registered_on: IsoDate
    ended_on: IsoDate | None
    employer_name: str | None
    reason: str | None


class HardshipOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    category: HardshipCategory
    measures: list[AssistanceMeasure]
    recognised_on: IsoDate
    valid_until: IsoDate


class LoanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    amount_fen: int
    term_months: int
    business_name: str
    approved_on: IsoDate


class SkillOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    course: str
    institution: str
    completed_on: IsoDate
    occupation: str | None
    level: int | None
    certificate_number: str | None


class EntrepreneurshipOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: EntrepreneurshipServiceKind
    given_on: IsoDate
    note: str | None


class EmploymentStatus(BaseModel):
    """The line a window shows: 就业 / 登记失业 / 未登记, and hardship status."""

    state: RegistrationKind | None = Field(description="The open registration, if any")
    since: date | None
    hardship: HardshipCategory | None


class EmploymentRecord(BaseModel):
    """Everything recorded about one resident's employment."""

    status: EmploymentStatus
    registrations: list[RegistrationOut]
    hardship: list[HardshipOut]
    loans: list[LoanOut]
    skills: list[SkillOut]
    entrepreneurship: list[EntrepreneurshipOut]
