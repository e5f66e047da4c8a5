from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from cardsvc.ids import RowId
from cardsvc.kit.text import TextRule
from cardsvc.platforms.rules import Kind, Level


class PlatformCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    parent_id: RowId | None = None
    kind: Kind
    region_code: Annotated[str, Field(pattern=r"^[0-9]{6}$", description="GB/T 2260 region code")]
    base_name: Annotated[str, TextRule(40, gbk=True)]


class PlatformOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    parent_id: int | None
    level: Level
    kind: Kind
    region_code: str
    name: str
    unified_code: str


class WindowCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, TextRule(60, gbk=True)]


class WindowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    platform_id: int
    code: str
    name: str
    active: bool
