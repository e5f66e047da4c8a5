from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from cardsvc.ids import RowId
from cardsvc.residents.rules import Sex


class ResidentCreate(BaseModel):
    social_security_number: str = Field(min_length=18, max_length=18)
    name: str = Field(min_length=1, max_length=30)
    sex: Sex
    birth_date: date
    ethnic_group: str = Field(pattern=r"^\d{2}$", description="GB 3304 code, 01 = 汉族")
    household_registration: str = Field(min_length=1, max_length=200)
    current_address: str = Field(min_length=1, max_length=200)
    platform_id: RowId = Field(description="The community/village station the resident belongs to")


class ResidentOut(BaseModel):
    """The full record, returned only by an audited read."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    social_security_number: str
    name: str
    sex: Sex
    birth_date: date
    ethnic_group: str
    household_registration: str
    current_address: str
    platform_id: int
    created_at: datetime


class ResidentListItem(BaseModel):
    """A list row: number and name masked (3201**********002X, 张*)."""

    id: int
    social_security_number: str
    name: str
    sex: Sex
    platform_id: int
