from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Ssn = Annotated[str, Field(pattern=r"^[0-9]{17}[0-9Xx]$", description="GB 11643, 18 characters")]
Password = Annotated[str, Field(min_length=1, max_length=128)]


class ActivationGranted(BaseModel):
    """What the window hands the resident (printed or shown once): the one-time code."""

    activation_code: str
    expires_at: datetime


class Activation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    social_security_number: Ssn
    activation_code: Annotated[str, Field(min_length=8, max_length=12)]
    password: Password = Field(description="At least 8 characters, letters and digits")


class OnlineLogin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    social_security_number: Ssn
    password: Password


class OnlineToken(BaseModel):
    token: str
    expires_at: datetime


class AccessEntry(BaseModel):
    """One access to the resident's records, as the audit trail holds it."""

    occurred_at: datetime
    action: str = Field(description="read, refused, or the business done (e.g. application.review)")
    action_label: str = Field(description="For the resident: 查阅, 拒绝访问, 办理业务…")
    what: str = Field(description="The record reached: resident, card, application…")
    purpose: str | None
    clerk: str | None = Field(description="The clerk's name (None: the service itself)")
    window: str | None
    platform: str | None
