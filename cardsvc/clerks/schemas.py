from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from cardsvc.clerks.permissions import Role
from cardsvc.ids import RowId
from cardsvc.kit.text import TextRule


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    password: str = Field(min_length=1, max_length=200)
    window_code: Annotated[
        str, Field(pattern=r"^[0-9A-Za-z-]{1,20}$", description="The window's code, e.g. W0001")
    ]


class LoginResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth 2 token type, not a secret
    expires_at: datetime


def _strong(password: str) -> str:
    """At least two kinds of character (letters, digits, others), not one repeated."""
    kinds = {"letter" if ch.isalpha() else "digit" if ch.isdigit() else "other" for ch in password}
    if len(kinds) < 2 or len(set(password)) < 4:
        raise ValueError("a password mixes letters, digits or signs and is not one repeated")
    return password


class ClerkAccount(BaseModel):
    """What every clerk account needs, whatever its role and platform."""

    username: str = Field(min_length=3, max_length=40, pattern=r"^[a-z0-9_.-]+$")
    display_name: Annotated[str, TextRule(40, gbk=True)]
    password: Annotated[str, Field(min_length=10, max_length=200), AfterValidator(_strong)]


class ClerkCreate(ClerkAccount):
    model_config = ConfigDict(extra="forbid")

    role: Role
    platform_id: RowId
    certified_on: date | None = None


class ClerkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: Role
    platform_id: int
    certified: bool
    certified_on: date | None
    active: bool


class Me(BaseModel):
    clerk: ClerkOut
    window_id: int
    window_code: str
