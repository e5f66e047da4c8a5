"""Ordering cards and moving them through their lifecycle (history, blacklist feed, audit)."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.cards.models import BlacklistEntry, Card, CardStatusChange
from cardsvc.cards.repository import CardRepository
from cardsvc.cards.rules import (
    BLACKLISTED,
    FINAL,
    PENDING,
    PROFILE_STATUS,
    REPLACEABLE,
    CardEvent,
    CardState,
    card_check_character,
    next_state,
    normalise_card_identification_code,
    normalise_card_number,
    renewable,
    temporary_loss_lapsed,
)
from cardsvc.cards.schemas import (
    ACTION_EVENTS,
    CardAction,
    CardActionRequest,
    CardOrder,
    CardSummary,
    OrderReason,
)
from cardsvc.clerks.permissions import Actor, Permission, as_not_found, authorize
from cardsvc.errors import (
    ConflictError,
    InvalidDataError,
    NotFoundError,
    OutsideJurisdictionError,
    TransitionRefusedError,
)
from cardsvc.kit.calendar import add_years
from cardsvc.kit.pagination import PageRequest, Slice
from cardsvc.residents.service import resident_in_jurisdiction
from cardsvc.settings import Settings

_NUMBER_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

ACTION_PERMISSIONS: dict[CardAction, Permission] = {
    CardAction.issue: Permission.produce_card,
    CardAction.activate: Permission.activate_card,
    **{
        action: Permission.change_card_status
        for action in (
            CardAction.temporary_loss,
            CardAction.loss,
            CardAction.lift_loss,
            CardAction.lock,
            CardAction.unlock,
            CardAction.cancel,
        )
    },
}


def _new_card_number(repository: CardRepository) -> str:
    while True:
        first8 = "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8))
        number = first8 + card_check_character(first8)
        if not repository.number_taken(number):
            return number


def _transition(
    repository: CardRepository,
    audit: AuditTrail,
    actor: Actor | None,
    card: Card,
    event: CardEvent,
    now: datetime,
    reason: str | None = None,
) -> None:
    """Apply one lifecycle event: state, history, blacklist feed, audit."""
    before = card.status
    after = next_state(before, event)
    card.status = after
    card.status_changed_at = now
    repository.add(
        CardStatusChange(
            card_id=card.id,
            from_status=before,
            to_status=after,
            event=event,
            reason=reason,
            occurred_at=now,
            clerk_id=actor.clerk_id if actor else None,
            window_id=actor.window_id if actor else None,
        )
    )
    if (before in BLACKLISTED) != (after in BLACKLISTED):
        repository.append_blacklist(
            BlacklistEntry(
                card_number=card.card_number,
                card_identification_code=card.card_identification_code,
                action="add" if after in BLACKLISTED else "remove",
                status=after,
                occurred_at=now,
            )
        )
    audit.change(f"card.{event.value}", "card", card.id, {"status": before}, {"status": after})


def settle_lapsed(
    repository: CardRepository, audit: AuditTrail, settings: Settings, card: Card, now: datetime
) -> None:
    """A temporary loss not formalised in time lapses back to normal (checked on access)."""
    if temporary_loss_lapsed(
        card.status, card.status_changed_at, now, settings.temporary_loss_lapse
    ):
        _transition(
            repository,
            audit,
            None,
            card,
            CardEvent.lapse_temporary_loss,
            now,
            "临时挂失期满自动解除",
        )


def order_card(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    resident_id: int,
    order: CardOrder,
    now: datetime,
) -> Card:
    """Apply for a first card, a replacement (补卡) or a renewal (换卡): a card in production."""
    resident = resident_in_jurisdiction(session, actor, resident_id, Permission.order_card)
    repository = CardRepository(session)
    cards = repository.of_resident(resident.id)
    if any(card.status in PENDING for card in cards):
        raise ConflictError("该参保人员已有在制的社会保障卡", code="card_in_production")
    current = next((card for card in reversed(cards) if card.status not in FINAL), None)
    if order.reason is OrderReason.first:
        if current is not None:
            raise ConflictError("该参保人员已有社会保障卡，请办理补卡或换卡", code="card_exists")
    elif current is None:
        raise ConflictError("该参保人员没有可补换的社会保障卡", code="no_current_card")
    elif order.reason is OrderReason.replacement and current.status not in REPLACEABLE:
        raise TransitionRefusedError("补卡前须先办理正式挂失", code="refused_replacement")
    elif order.reason is OrderReason.renewal and not renewable(
        current.status, current.expires_on, now.date()
    ):
        raise TransitionRefusedError("卡片未到换卡期限或状态不正常", code="refused_renewal")
    card = Card(
        resident_id=resident.id,
        resident=resident,
        card_number=_new_card_number(repository),
        generation=order.generation,
        key_version=1,
        status=CardState.in_production,
        status_changed_at=now,
        predecessor_id=current.id if current else None,
        order_reason=order.reason.value,
    )
    repository.add(card)
    repository.add(
        CardStatusChange(
            card_id=card.id,
            from_status=None,
            to_status=card.status,
            event=None,
            reason=order.reason.value,
            occurred_at=now,
            clerk_id=actor.clerk_id,
            window_id=actor.window_id,
        )
    )
    audit.change(
        "card.order",
        "card",
        card.id,
        None,
        {"resident_id": resident.id, "card_number": card.card_number, "reason": order.reason.value},
    )
    return card


def _card_in_jurisdiction(
    session: Session,
    actor: Actor,
    card_number: str,
    permission: Permission,
    *,
    for_update: bool,
    purpose: str | None = None,
) -> Card:
    """The card, if ``actor`` may act on it; a refusal is audited.

    The role is checked before the card is looked up; a card outside the clerk's
    jurisdiction answers as a card that does not exist (and the refusal is audited).
    """
    number = normalise_card_number(card_number)
    # Not looked up yet: the refusal names the number asked for, not a card's id.
    authorize(actor, permission, subject=("card_number", number), purpose=purpose)
    card = CardRepository(session).by_number(number, for_update=for_update)
    if card is None:
        raise NotFoundError("社会保障卡不存在", code="card_not_found")
    try:
        authorize(
            actor,
            permission,
            card.resident.platform.path,
            subject=("card", card.id),
            purpose=purpose,
        )
    except OutsideJurisdictionError as outside:
        raise as_not_found(outside, "社会保障卡不存在", "card_not_found") from None
    return card


def apply_action(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    settings: Settings,
    card_number: str,
    action: CardAction,
    request: CardActionRequest,
    now: datetime,
) -> Card:
    card = _card_in_jurisdiction(
        session, actor, card_number, ACTION_PERMISSIONS[action], for_update=False
    )
    repository = CardRepository(session)
    # Activating a replacement changes its predecessor too: both locked at once, in the
    # one lock order of cards (``CardRepository.lock``), then read as they are now.
    replaced = card.predecessor_id if action is CardAction.activate else None
    locked = repository.lock([card.id] if replaced is None else [card.id, replaced])
    predecessor = next((c for c in locked if c.id == replaced), None)
    settle_lapsed(repository, audit, settings, card, now)
    event = ACTION_EVENTS[action]
    reason = request.reason
    if action is CardAction.issue:
        if request.card_identification_code is None:
            raise InvalidDataError(
                "制卡完成须提供卡识别码", code="missing_card_identification_code"
            )
        next_state(card.status, event)  # refuse before touching the card
        card.card_identification_code = normalise_card_identification_code(
            request.card_identification_code
        )
        card.issued_on = now.date()
        card.expires_on = add_years(now.date(), settings.card_validity_years)
    elif action is CardAction.cancel:
        if request.cancel_reason is None:
            raise InvalidDataError("注销须注明原因（死亡或出境定居）", code="missing_cancel_reason")
        reason = request.cancel_reason.value
    elif replaced is not None:
        next_state(card.status, event)
        if predecessor is not None and predecessor.status not in FINAL:
            # Blacklisted the moment the new card is activated, in the same transaction.
            _transition(
                repository, audit, actor, predecessor, CardEvent.supersede, now, "补换新卡已启用"
            )
    _transition(repository, audit, actor, card, event, now, reason)
    return card


def card_history(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    card_number: str,
    purpose: str,
    page: PageRequest,
) -> Slice[CardStatusChange]:
    """A page of the card's status changes, oldest first; the read is audited."""
    card = _card_in_jurisdiction(
        session, actor, card_number, Permission.read_card, for_update=False, purpose=purpose
    )
    audit.read("card", card.id, purpose, view="history", offset=page.offset)
    return CardRepository(session).history(card.id, page)


def read_card(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    settings: Settings,
    card_number: str,
    purpose: str,
    now: datetime,
) -> Card:
    """One card as it stands now (a lapsed temporary loss is lapsed first); audited."""
    card = _card_in_jurisdiction(
        session, actor, card_number, Permission.read_card, for_update=True, purpose=purpose
    )
    settle_lapsed(CardRepository(session), audit, settings, card, now)
    audit.read("card", card.id, purpose)
    return card


def cards_of_resident(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    settings: Settings,
    resident_id: int,
    purpose: str,
    page: PageRequest,
    now: datetime,
) -> Slice[Card]:
    """A page of the cards a resident has held, oldest first, each as it stands now (a
    lapsed temporary loss is lapsed first); the read is audited."""
    resident = resident_in_jurisdiction(session, actor, resident_id, Permission.read_card, purpose)
    repository = CardRepository(session)
    found = repository.page_of_resident(resident.id, page)
    cards = repository.lock([card.id for card in found.items])  # in the one lock order
    for card in cards:
        settle_lapsed(repository, audit, settings, card, now)
    audit.read("resident", resident.id, purpose, cards=[card.id for card in cards])
    return found.with_items(cards)


def temporary_losses_due(session: Session, settings: Settings, now: datetime) -> int:
    """How many temporary losses ``lapse_temporary_losses`` would lapse now (a sweep's size)."""
    before = now - settings.temporary_loss_lapse
    return CardRepository(session).count_temporarily_lost_since(before)


def lapse_temporary_losses(
    session: Session, audit: AuditTrail, settings: Settings, now: datetime, *, limit: int
) -> int:
    """Lapse up to ``limit`` temporary losses whose period is over; how many were lapsed.

    Cards another transaction holds are skipped (PostgreSQL) and lapse on a later sweep
    or when next read.
    """
    repository = CardRepository(session)
    cards = repository.temporarily_lost_since(now - settings.temporary_loss_lapse, limit)
    for card in cards:
        settle_lapsed(repository, audit, settings, card, now)
    return len(cards)


# A card that confirms its holder's record: being made, waiting at the window, or in use.
LIVE_STATES = (CardState.in_production, CardState.issued, CardState.normal)


def residents_without_live_card(session: Session, path: str, today: date) -> dict[int, int]:
    """Per platform within ``path``: residents with no unexpired card being made, waiting
    or in use (their records go unconfirmed at any window: stale)."""
    return CardRepository(session).residents_without_live_card(path, LIVE_STATES, today)


def card_lines(session: Session, resident_id: int, today: date) -> list[CardSummary]:
    """Each card a resident has held, newest first, as a window's summary shows it (the
    caller checks the clerk and audits the read)."""
    cards = CardRepository(session).of_resident(resident_id)
    return [
        CardSummary(
            card_number=card.card_number,
            status=card.status,
            profile_status=PROFILE_STATUS[card.status],
            expires_on=card.expires_on,
            expired=card.expires_on is not None and card.expires_on < today,
        )
        for card in reversed(cards)
    ]


def card_ids_of(session: Session, resident_id: int) -> list[int]:
    return [card.id for card in CardRepository(session).of_resident(resident_id)]
