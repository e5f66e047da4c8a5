from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from cardsvc.employment.rules import HardshipCategory, RegistrationKind
from cardsvc.residents.rules import Sex


class LabourForceRow(BaseModel):
    """A resident of working age (劳动力资源台账), number and name masked."""

    resident_id: int
    social_security_number: str
    name: str
    sex: Sex
    age: int
    platform_id: int
    employment: RegistrationKind | None = Field(description="The open registration, if any")
    since: date | None
    hardship: HardshipCategory | None


class EmploymentLedgerRow(BaseModel):
    """就业台账: one community station's registrations in force."""

    platform_id: int
    unified_code: str
    name: str
    residents: int
    employed: int = Field(description="Open employment registrations")
    unemployed: int = Field(description="Open unemployment registrations")
    hardship: int = Field(description="Residents recognised in employment hardship")


class CoverageLedgerRow(BaseModel):
    """参保台账: one community station's residents enrolled and paying, per scheme."""

    platform_id: int
    unified_code: str
    name: str
    residents: int
    pension: int
    medical: int
    unemployment: int
    work_injury: int
    maternity: int
    pension_rate: float | None = Field(description="Share of the residents paying into pension")
    medical_rate: float | None


class EmploymentLedger(BaseModel):
    generated_at: datetime
    platforms: list[EmploymentLedgerRow]


class CoverageLedger(BaseModel):
    generated_at: datetime
    platforms: list[CoverageLedgerRow]
