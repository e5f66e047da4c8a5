from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cardsvc.ids import RowId
from cardsvc.kit.text import IsoDate, TextRule
from cardsvc.residents.rules import Sex


class ResidentCreate(BaseModel):
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
