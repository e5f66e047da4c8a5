"""The card routes: ordering, the lifecycle, reads, the blacklist feed and identify."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from cardsvc.answers import json_answer
from cardsvc.cards import blacklist, lifecycle
from cardsvc.cards.schemas import (
    BlacklistDelta,
    CardAction,
    CardActionRequest,
    CardOrder,
    CardOut,
    StatusChangeOut,
)
from cardsvc.deps import (
    ActorDep,
    AuditDep,
    IdempotencyKey,
    PagingDep,
    PathRowId,
    Purpose,
    SessionDep,
    SettingsDep,
    next_link,
)
from cardsvc.idempotency import fingerprint, run_once
from cardsvc.ids import MAX_ROW_ID
from cardsvc.kit.pagination import Page
from cardsvc.kit.types import utcnow

router = APIRouter(tags=["cards"])

CardNumberPath = Annotated[
    str, Path(pattern=r"^[0-9A-Za-z]{9}$", description="The 9-character card number")
]


@router.post("/residents/{resident_id}/cards", response_model=CardOut, status_code=201)
def order_card(
    resident_id: PathRowId,
    body: CardOrder,
    key: IdempotencyKey,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
) -> Response:
    content, replayed = run_once(
        session,
        actor.clerk_id,
        key,
        fingerprint("POST", f"/residents/{resident_id}/cards", body.model_dump_json().encode()),
        lambda: CardOut.model_validate(
            lifecycle.order_card(session, actor, audit, resident_id, body, utcnow())
        ),
    )
    number = CardOut.model_validate_json(content).card_number
    return json_answer(content, 201, replayed, location=f"/cards/{number}")


@router.post("/cards/{card_number}/{action}", response_model=CardOut)
def change_card(
    card_number: CardNumberPath,
    action: CardAction,
    body: CardActionRequest,
    key: IdempotencyKey,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Issue, activate, report (temporary) loss, lift loss, lock, unlock or cancel a card."""
    content, replayed = run_once(
        session,
        actor.clerk_id,
        key,
        fingerprint(
            "POST", f"/cards/{card_number}/{action.value}", body.model_dump_json().encode()
        ),
        lambda: CardOut.model_validate(
            lifecycle.apply_action(
                session, actor, audit, settings, card_number, action, body, utcnow()
            )
        ),
    )
    return json_answer(content, 200, replayed)


@router.get("/cards/{card_number}", response_model=CardOut)
def read_card(
    card_number: CardNumberPath,
    purpose: Purpose,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    settings: SettingsDep,
) -> CardOut:
    """One card and its status now (a lapsed temporary loss is lapsed first)."""
    card = lifecycle.read_card(session, actor, audit, settings, card_number, purpose, utcnow())
    return CardOut.model_validate(card)


@router.get("/residents/{resident_id}/cards", response_model=Page[CardOut])
def cards_of_resident(
    resident_id: PathRowId,
    purpose: Purpose,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    settings: SettingsDep,
    paging: PagingDep,
) -> Page[CardOut]:
    """The cards the resident has held, oldest first."""
    cards = lifecycle.cards_of_resident(
        session, actor, audit, settings, resident_id, purpose, paging.request, utcnow()
    )
    return paging.page(cards.map(CardOut.model_validate))


@router.get("/cards/{card_number}/history", response_model=Page[StatusChangeOut])
def card_history(
    card_number: CardNumberPath,
    purpose: Purpose,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    paging: PagingDep,
) -> Page[StatusChangeOut]:
    """The card's status changes, oldest first (an audited read: who changed it and why)."""
    history = lifecycle.card_history(session, actor, audit, card_number, purpose, paging.request)
    return paging.page(history.map(StatusChangeOut.model_validate))


@router.get("/blacklist", response_model=BlacklistDelta)
def blacklist_feed(
    actor: ActorDep,
    session: SessionDep,
    request: Request,
    response: Response,
    since: Annotated[
        int, Query(ge=0, le=MAX_ROW_ID, description="The last version the terminal holds")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> BlacklistDelta:
    """The entries after version ``since``; a terminal follows ``next`` until ``complete``."""
    delta = blacklist.blacklist_delta(session, actor, since, limit)
    if not delta.complete:
        delta.next = next_link(request, response, since=delta.version)
    return delta
