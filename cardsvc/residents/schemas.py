from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cardsvc.ids import RowId
from cardsvc.kit.text import IsoDate, TextRule
from cardsvc.residents.rules import Sex


class ResidentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    social_security_number: Annotated[
        str, Field(pattern=r"^[0-9]{17}[0-9Xx]$", description="GB 11643, 18 characters")
    ]
    name: Annotated[str, TextRule(30, gbk=True)]
    sex: Sex
    birth_date: IsoDate
    ethnic_group: Annotated[
        str, Field(pattern=r"^[0-9]{2}$", description="GB 3304 code, 01 = 汉族")
    ]
    household_registration: Annotated[str, TextRule(200, gbk=True)]
    current_address: Annotated[str, TextRule(200, gbk=True)]
    platform_id: RowId = Field(description="The community/village station the resident belongs to")


class ResidentOut(BaseModel):
    """The full record, returned only by an audited read."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    social_security_number: str
    name: str
    sex: Sex
    birth_date: IsoDate
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


class ResidentLookup(BaseModel):
    """What a clerk finds a resident by (every criterion given must match): the number,
    the number of a card they held, or the exact name, narrowed by sex and year of birth."""

    social_security_number: str | None = None
    card_number: str | None = None
    name: str | None = None
    sex: Sex | None = None
    birth_year: int | None = None
