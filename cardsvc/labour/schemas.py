"""Labour cases as windows take them and clerks follow them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cardsvc.ids import RowId
from cardsvc.kit.text import TextRule
from cardsvc.labour.rules import CaseKind, CaseStatus, Outcome

Note = Annotated[str, TextRule(500, gbk=True)]


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: CaseKind
    resident_id: RowId = Field(description="The worker who complains or asks for mediation")
    employer_name: Annotated[str, TextRule(100, gbk=True)]
    employer_credit_code: Annotated[
        str | None,
        Field(default=None, pattern=r"^[0-9A-HJ-NP-RT-UW-Y]{18}$", description="GB 32100"),
    ] = None
    summary: Note = Field(description="What the worker reports or claims")
    amount_claimed_fen: int | None = Field(default=None, gt=0, le=10**12, strict=True)


class ProgressRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: CaseStatus = Field(description="handling, or closed (with an outcome)")
    note: Note
    outcome: Outcome | None = None


class ProgressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status_after: CaseStatus
    clerk_id: int
    window_id: int
    platform_id: int
    at: datetime
    note: str


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: CaseKind
    resident_id: int
    employer_name: str
    employer_credit_code: str | None
    summary: str
    amount_claimed_fen: int | None
    status: CaseStatus
    outcome: Outcome | None
    platform_id: int
    received_at: datetime
    due_at: datetime
    closed_at: datetime | None
    overdue: bool = False
    progress: list[ProgressOut]


class CaseListItem(BaseModel):
    id: int
    kind: CaseKind
    resident_id: int
    employer_name: str
    status: CaseStatus
    platform_id: int
    received_at: datetime
    due_at: datetime
    overdue: bool
