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
            pattern=r"^(application:[0-9]{1,10}|labour_case:[0-9]{1,10}|card:[0-9A-Z]{9}|identify:[0-9]{1,12})$",
            description="What was rated: application:ID, labour_case:ID, card:NUMBER, identify:N",
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
