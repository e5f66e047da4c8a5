from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from cardsvc.cards import service
from cardsvc.cards.schemas import (
    BlacklistDelta,
    CardAction,
    CardActionRequest,
    CardOrder,
    CardOut,
    StatusChangeOut,
)
from cardsvc.db import utcnow
from cardsvc.deps import (
    ActorDep,
    AuditDep,
    Purpose,
    SessionDep,
    SettingsDep,
)
from cardsvc.idempotency import fingerprint, run_once
from cardsvc.ids import MAX_ROW_ID, PathRowId

router = APIRouter(tags=["cards"])

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=8,
        max_length=100,
        description="Unique per intended change; a retry with the same key gets the first answer",
    ),
]


def _json(content: str, status_code: int, replayed: bool) -> Response:
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return Response(
        content, status_code=status_code, media_type="application/json", headers=headers
    )


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
            service.order_card(session, actor, audit, resident_id, body, utcnow())
        ),
    )
    return _json(content, 201, replayed)


@router.post("/cards/{card_number}/{action}", response_model=CardOut)
def change_card(
    card_number: str,
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
            service.apply_action(
                session, actor, audit, settings, card_number, action, body, utcnow()
            )
        ),
    )
    return _json(content, 200, replayed)


@router.get("/cards/{card_number}", response_model=CardOut)
def read_card(
    card_number: str,
    purpose: Purpose,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    settings: SettingsDep,
) -> CardOut:
    """One card and its status now (a lapsed temporary loss is lapsed first)."""
    card = service.read_card(session, actor, audit, settings, card_number, purpose, utcnow())
    return CardOut.model_validate(card)


@router.get("/residents/{resident_id}/cards", response_model=list[CardOut])
def cards_of_resident(
    resident_id: PathRowId,
    purpose: Purpose,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    settings: SettingsDep,
) -> list[CardOut]:
    """Every card the resident has held, oldest first."""
    cards = service.cards_of_resident(
        session, actor, audit, settings, resident_id, purpose, utcnow()
    )
    return [CardOut.model_validate(card) for card in cards]


@router.get("/cards/{card_number}/history", response_model=list[StatusChangeOut])
def card_history(card_number: str, actor: ActorDep, session: SessionDep) -> list[StatusChangeOut]:
    _card, history = service.card_history(session, actor, card_number)
    return [StatusChangeOut.model_validate(change) for change in history]


@router.get("/blacklist", response_model=BlacklistDelta)
def blacklist(
    actor: ActorDep,
    session: SessionDep,
    since: Annotated[
        int, Query(ge=0, le=MAX_ROW_ID, description="The last version the terminal holds")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
) -> BlacklistDelta:
    return service.blacklist_delta(session, actor, since, limit)
