from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cardsvc.kit.text import TextRule
from cardsvc.ratings.rules import Score


class RatingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: Score = Field(description="1 非常不满意 … 5 非常满意")
    service_ref: Annotated[
        str,
        Field(
            pattern=r"^(application|labour_case):[0-9]{1,10}$",
            description="What was rated: application:ID or labour_case:ID, taken at this window",
        ),
    ]
    comment: Annotated[str, TextRule(200, gbk=True)] | None = None


class RatingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    score: int
    service_ref: str
    clerk_id: int
    window_id: int
    rated_at: datetime
