"""Applications as windows submit them and as queues and clerks read them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from cardsvc.ids import RowId
from cardsvc.kit.text import TextRule
from cardsvc.workflow.rules import Status, Step

DocumentName = Annotated[str, TextRule(60, gbk=True)]
Note = Annotated[str, TextRule(500, gbk=True)]


class ApplicationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_code: Annotated[str, Field(pattern=r"^[a-z_]{3,40}$", description="GET /service-guide")]
    resident_id: RowId
    documents: list[DocumentName] = Field(
        max_length=20, description="The documents the window checked, named as the guide names them"
    )
    details: dict[str, Any] = Field(description="The item's own fields (see the service guide)")
    note: Note | None = None


class StepRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Note | None = Field(default=None, description="Required when rejecting: the reason")


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    step: Step
    status_after: Status
    clerk_id: int
    window_id: int
    platform_id: int
    at: datetime
    note: str | None


class ApplicationOut(BaseModel):
    id: int
    item_code: str
    item_name: str
    resident_id: int
    platform_id: int
    status: Status
    status_label: str
    details: dict[str, Any]
    documents: list[str]
    required_documents: list[str]
    submitted_at: datetime
    due_at: datetime
    overdue: bool
    decided_at: datetime | None
    outcome: str | None
    steps: list[StepOut]


class QueueItem(BaseModel):
    """A queue row: the resident's name masked."""

    id: int
    item_code: str
    item_name: str
    resident_id: int
    resident_name: str
    platform_id: int
    status: Status
    submitted_at: datetime
    due_at: datetime
    overdue: bool


class GuideItem(BaseModel):
    """One business item of the service guide (办事指南)."""

    code: str
    name: str
    category: str
    documents: list[str]
    steps: list[str]
    working_days: int = Field(description="办结时限, in working days")
    details_schema: dict[str, Any] = Field(description="The fields a window submits (JSON Schema)")


class TimeLimitUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    working_days: int = Field(ge=1, le=60, strict=True)
