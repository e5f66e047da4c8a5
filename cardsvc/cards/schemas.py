from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from cardsvc.cards.rules import CardEvent, CardState
from cardsvc.kit.pagination import Page
from cardsvc.kit.text import TextRule
from cardsvc.residents.rules import Sex


class OrderReason(StrEnum):
    first = "first"  # 首次申领
    replacement = "replacement"  # 补卡
    renewal = "renewal"  # 换卡


class CardOrder(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: OrderReason
    generation: str = Field(default="3.00", pattern=r"^[23]\.00$")


class CardAction(StrEnum):
    """What a clerk asks for; each maps to one lifecycle event."""

    issue = "issue"
    activate = "activate"
    temporary_loss = "temporary-loss"
    loss = "loss"
    lift_loss = "lift-loss"
    lock = "lock"
    unlock = "unlock"
    cancel = "cancel"


ACTION_EVENTS: dict[CardAction, CardEvent] = {
    CardAction.issue: CardEvent.issue,
    CardAction.activate: CardEvent.activate,
    CardAction.temporary_loss: CardEvent.report_temporary_loss,
    CardAction.loss: CardEvent.report_loss,
    CardAction.lift_loss: CardEvent.lift_loss,
    CardAction.lock: CardEvent.lock,
    CardAction.unlock: CardEvent.unlock,
    CardAction.cancel: CardEvent.cancel,
}


class CancelReason(StrEnum):
    death = "death"
    emigration = "emigration"


class CardActionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, TextRule(100, gbk=True)] | None = None
    cancel_reason: CancelReason | None = None
    card_identification_code: (
        Annotated[
            str,
            Field(
                pattern=r"^[0-9A-Fa-f]{32}$",
                description="Required to issue: the personalised chip's 32 hex digits",
            ),
            # One code, one request: a retry in lower case is the same change (idempotency).
            AfterValidator(str.upper),
        ]
        | None
    ) = None


class CardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    resident_id: int
    card_number: str
    card_identification_code: str | None
    generation: str
    key_version: int
    issued_on: date | None
    expires_on: date | None
    status: CardState
    profile_status: str
    status_changed_at: datetime
    predecessor_id: int | None
    order_reason: OrderReason


class StatusChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_status: CardState | None
    to_status: CardState
    event: CardEvent | None
    reason: str | None
    occurred_at: datetime
    clerk_id: int | None
    window_id: int | None


class BlacklistEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    card_number: str
    card_identification_code: str | None
    action: str
    status: CardState
    occurred_at: datetime


class BlacklistDelta(Page[BlacklistEntryOut]):
    """The entries after ``since``, as a page: ``total`` counts the entries after
    ``since``, ``next`` asks for the following delta."""

    since: int
    version: int = Field(description="Pass this as `since` next time")
    complete: bool = Field(description="False when more entries follow: follow `next`")


class IdentifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    card_identification_code: Annotated[
        str, Field(pattern=r"^[0-9A-Fa-f]{32}$", description="Read off the chip")
    ]
    card_number: Annotated[str, Field(pattern=r"^[0-9A-Za-z]{9}$", description="Read off the card")]
    social_security_number: Annotated[
        str, Field(pattern=r"^[0-9]{17}[0-9Xx]$", description="Read off the card")
    ]
    purpose: Annotated[
        str,
        TextRule(100, min_length=2, gbk=True),
        Field(description="Why the card is read (audited)"),
    ] = "窗口读卡识别"


class HolderSummary(BaseModel):
    id: int
    social_security_number: str
    name: str
    sex: Sex
    birth_date: date
    ethnic_group: str
    platform_id: int


class CardSummary(BaseModel):
    card_number: str
    status: CardState
    profile_status: str
    expires_on: date | None
    expired: bool = Field(
        default=False, description="Past its expiry date (China time): to be renewed (换卡)"
    )


class IdentifyResponse(BaseModel):
    """What the card checks of identify found: the genuine holder and the card."""

    resident: HolderSummary
    card: CardSummary
