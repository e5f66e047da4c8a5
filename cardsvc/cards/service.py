"""Ordering cards, moving them through the lifecycle, the blacklist feed and identify."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditBatch, AuditTrail
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
    BlacklistDelta,
    BlacklistEntryOut,
    CardAction,
    CardActionRequest,
    CardOrder,
    CardSummary,
    HolderSummary,
    IdentifyRequest,
    IdentifyResponse,
    OrderReason,
)
from cardsvc.clerks.permissions import Actor, Permission, authorize, refused
from cardsvc.errors import (
    CardRefusedError,
    ConflictError,
    DomainError,
    InvalidDataError,
    NotFoundError,
    TransitionRefusedError,
)
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


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


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


def _settle(
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
    card = CardRepository(session).by_number(
        normalise_card_number(card_number), for_update=for_update
    )
    if card is None:
        raise NotFoundError("社会保障卡不存在", code="card_not_found")
    authorize(
        actor,
        permission,
        card.resident.platform.path,
        subject=("card", card.id),
        purpose=purpose,
    )
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
        session, actor, card_number, ACTION_PERMISSIONS[action], for_update=True
    )
    repository = CardRepository(session)
    _settle(repository, audit, settings, card, now)
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
        card.expires_on = _add_years(now.date(), settings.card_validity_years)
    elif action is CardAction.cancel:
        if request.cancel_reason is None:
            raise InvalidDataError("注销须注明原因（死亡或出境定居）", code="missing_cancel_reason")
        reason = request.cancel_reason.value
    elif action is CardAction.activate and card.predecessor_id is not None:
        next_state(card.status, event)
        predecessor = repository.get(card.predecessor_id, for_update=True)
        if predecessor is not None and predecessor.status not in FINAL:
            # Blacklisted the moment the new card is activated, in the same transaction.
            _transition(
                repository, audit, actor, predecessor, CardEvent.supersede, now, "补换新卡已启用"
            )
    _transition(repository, audit, actor, card, event, now, reason)
    return card


def card_history(
    session: Session, actor: Actor, card_number: str
) -> tuple[Card, Sequence[CardStatusChange]]:
    card = _card_in_jurisdiction(
        session, actor, card_number, Permission.read_card, for_update=False
    )
    return card, CardRepository(session).history(card.id)


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
    _settle(CardRepository(session), audit, settings, card, now)
    audit.read("card", card.id, purpose)
    return card


def cards_of_resident(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    settings: Settings,
    resident_id: int,
    purpose: str,
    now: datetime,
) -> Sequence[Card]:
    """Every card a resident has held, oldest first; the read is audited."""
    resident = resident_in_jurisdiction(session, actor, resident_id, Permission.read_card, purpose)
    repository = CardRepository(session)
    cards = repository.of_resident(resident.id, for_update=True)
    for card in cards:
        _settle(repository, audit, settings, card, now)
    audit.read("resident", resident.id, purpose, cards=[card.id for card in cards])
    return cards


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
        _settle(repository, audit, settings, card, now)
    return len(cards)


def blacklist_delta(session: Session, actor: Actor, since: int, limit: int) -> BlacklistDelta:
    authorize(actor, Permission.read_blacklist)
    repository = CardRepository(session)
    entries = repository.blacklist_since(since, limit + 1)
    complete = len(entries) <= limit
    entries = entries[:limit]
    version = entries[-1].version if entries else max(since, repository.blacklist_version())
    return BlacklistDelta(
        since=since,
        version=version,
        complete=complete,
        entries=[BlacklistEntryOut.model_validate(entry) for entry in entries],
    )


@dataclass(frozen=True)
class Presentation:
    """What a terminal read off a card, presented by a clerk at a window."""

    actor: Actor
    request: IdentifyRequest


def identify(
    session: Session,
    audit: AuditBatch,
    settings: Settings,
    presentations: Sequence[Presentation],
    now: datetime,
) -> list[IdentifyResponse | DomainError]:
    """For each presentation, the resident summary or the refusal to raise for it
    (``CardRefusedError``, ``ForbiddenError``); one statement reads all their cards.

    Any window in the province may identify a card holder who presents their card;
    each read is audited like any other, in ``audit`` (the caller writes it).
    """
    repository = CardRepository(session)
    numbers = [_as_registered(presentation.request.card_number) for presentation in presentations]
    rows = repository.presented(set(numbers)) if numbers else {}
    lapsing = {
        row.card_id
        for row in rows.values()
        if temporary_loss_lapsed(
            row.status, row.status_changed_at, now, settings.temporary_loss_lapse
        )
    }
    for card_id in sorted(lapsing):  # rare; locked in one order, so batches never deadlock
        repository.get(card_id, for_update=True)
    outcomes: list[IdentifyResponse | DomainError] = []
    for presentation, number in zip(presentations, numbers, strict=True):
        row = rows.get(number)
        lapsed = row is not None and row.card_id in lapsing
        trail = audit.trail(presentation.actor)
        try:
            outcomes.append(_identify(repository, trail, settings, presentation, row, lapsed, now))
        except DomainError as error:
            outcomes.append(error)
    return outcomes


def _as_registered(text: str) -> str:
    """A value read off a card in the form the register keeps it (trimmed, upper case).

    Identify compares what was read with what is registered, which was validated when
    it was registered: a value that fails its check character cannot equal it, and is
    refused as a mismatch all the same.
    """
    return text.strip().upper()


def _identify(
    repository: CardRepository,
    audit: AuditTrail,
    settings: Settings,
    presentation: Presentation,
    row: Row[*tuple[Any, ...]] | None,
    lapsed: bool,
    now: datetime,
) -> IdentifyResponse:
    """One presentation, given its card's row (None: no card has the number presented)
    and whether the card's temporary loss has lapsed (the card is then locked)."""
    actor, request = presentation.actor, presentation.request
    permission = Permission.identify_card
    authorize(actor, permission, subject=("card", "presented"), purpose=request.purpose)

    def refusal(detail: str, code: str, card_id: int | None) -> CardRefusedError:
        subject = ("card", card_id if card_id is not None else "presented")
        return CardRefusedError(
            detail, code=code, refusal=refused(actor, permission, subject, request.purpose)
        )

    mismatch = ("卡片信息与登记信息不符，请核实持卡人身份", "card_mismatch")
    if row is None:
        raise refusal(*mismatch, None)
    if row.card_identification_code != _as_registered(
        request.card_identification_code
    ) or row.social_security_number != _as_registered(request.social_security_number):
        raise refusal(*mismatch, row.card_id)
    status = row.status
    if lapsed:  # the card itself, locked above, for the transition
        card = repository.get(row.card_id, for_update=True)
        assert card is not None  # noqa: S101 - read above, and cards are never deleted
        _settle(repository, audit, settings, card, now)
        status = card.status
    if status in BLACKLISTED:
        blacklisted = "此卡已列入黑名单（挂失、锁定或注销），不能使用"
        raise refusal(blacklisted, "card_blacklisted", row.card_id)
    if status is not CardState.normal:
        raise refusal("此卡尚未启用", "card_not_activated", row.card_id)
    audit.read("resident", row.resident_id, request.purpose, card_id=row.card_id, via="identify")
    return IdentifyResponse(
        resident=HolderSummary(
            id=row.resident_id,
            social_security_number=row.social_security_number,
            name=row.name,
            sex=row.sex,
            birth_date=row.birth_date,
            ethnic_group=row.ethnic_group,
            platform_id=row.platform_id,
        ),
        card=CardSummary(
            card_number=row.card_number,
            status=status,
            profile_status=PROFILE_STATUS[status],
            expires_on=row.expires_on,
        ),
    )
