from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cardsvc.ids import RowId
from cardsvc.kit.text import IsoDate, TextRule

CreditCode = Annotated[
    str,
    Field(
        pattern=r"^[0-9A-Za-z]{18}$",
        description="Unified social credit code (GB 32100-2015), 18 characters",
        examples=["91440300708461136T"],
    ),
]


class EmployerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unified_social_credit_code: CreditCode
    name: Annotated[str, TextRule(100, min_length=2, gbk=True)]
    platform_id: RowId = Field(
        description="The street centre or community station that keeps it in its ledger"
    )


class EmployerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    unified_social_credit_code: str
    name: str
    region_code: str
    platform_id: int
    created_at: datetime


class EmploymentStart(BaseModel):
    """A resident starts working for an employer (用工登记)."""

    resident_id: RowId
    employer_id: RowId
    started_on: IsoDate


class EmploymentEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ended_on: IsoDate


class EmploymentStartBody(BaseModel):
    """``POST /employers/{employer_id}/employment-relations``: the employer is in the path."""

    model_config = ConfigDict(extra="forbid")

    resident_id: RowId
    started_on: IsoDate


class EmploymentRelationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    resident_id: int
    employer_id: int
    started_on: date
    ended_on: date | None
