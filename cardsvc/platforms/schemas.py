from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from cardsvc.ids import RowId
from cardsvc.platforms.rules import Kind, Level


class PlatformCreate(BaseModel):
    parent_id: RowId | None = None
    kind: Kind
    region_code: str = Field(pattern=r"^\d{6}$")
    base_name: str = Field(min_length=1, max_length=40)


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
    name: str = Field(min_length=1, max_length=60)


class WindowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    platform_id: int
    code: str
    name: str
    active: bool
