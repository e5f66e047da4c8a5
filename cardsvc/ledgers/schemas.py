from __future__ import annotations

from datetime import date

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
