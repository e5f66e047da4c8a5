"""Identify: who holds the card a window has just read, in batches (see ``router``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditBatch, AuditTrail
from cardsvc.cards.lifecycle import settle_lapsed
from cardsvc.cards.repository import CardRepository
from cardsvc.cards.rules import BLACKLISTED, PROFILE_STATUS, CardState, temporary_loss_lapsed
from cardsvc.cards.schemas import CardSummary, HolderSummary, IdentifyRequest, IdentifyResponse
from cardsvc.clerks.permissions import Actor, Permission, authorize, refused
from cardsvc.clerks.service import resolve_actors
from cardsvc.clerks.tokens import TokenClaims, session_expired
from cardsvc.errors import CardRefusedError, DomainError
from cardsvc.kit.calendar import china_day
from cardsvc.settings import Settings


@dataclass(frozen=True)
class Presented:
    """What a terminal read off a card, sent by the clerk whose token's claims these are."""

    claims: TokenClaims
    request: IdentifyRequest


@dataclass(frozen=True)
class Presentation:
    """A presented card whose clerk and window are still active."""

    actor: Actor
    request: IdentifyRequest


def identify_batch(
    session: Session, settings: Settings, batch: Sequence[Presented], now: datetime
) -> list[IdentifyResponse | DomainError]:
    """Identify a batch of presented cards in the caller's unit of work.

    Clerks and windows of the whole batch are resolved in one statement, the presented
    cards read in another, and every read and every refusal is chained into the audit
    trail together (one lock of the chain). Each presentation gets its own outcome: the
    resident summary, or the error to answer it with.
    """
    audit = AuditBatch(session, settings.audit_secret.get_secret_value().encode())
    actors = resolve_actors(session, {presented.claims for presented in batch})
    outcomes: dict[int, IdentifyResponse | DomainError] = {}
    presentations: dict[int, Presentation] = {}
    for index, presented in enumerate(batch):
        actor = actors.get(presented.claims)
        if actor is None:
            outcomes[index] = session_expired()
        else:
            presentations[index] = Presentation(actor, presented.request)
    answers = identify(session, audit, settings, list(presentations.values()), now)
    for index, answer in zip(presentations, answers, strict=True):
        if isinstance(answer, DomainError) and answer.refusal is not None:
            audit.refused(answer.refusal, answer.code)
        outcomes[index] = answer
    audit.write()
    return [outcomes[index] for index in range(len(batch))]


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
    outcomes: dict[int, IdentifyResponse | DomainError] = {}
    numbers: dict[int, str] = {}
    for index, presentation in enumerate(presentations):
        try:  # the role first: a refused clerk's input is never looked up
            authorize(
                presentation.actor,
                Permission.identify_card,
                subject=("card", "presented"),
                purpose=presentation.request.purpose,
            )
        except DomainError as refusal:
            outcomes[index] = refusal
        else:
            numbers[index] = _as_registered(presentation.request.card_number)
    rows = repository.presented(set(numbers.values())) if numbers else {}
    lapsing = {
        row.card_id
        for row in rows.values()
        if temporary_loss_lapsed(
            row.status, row.status_changed_at, now, settings.temporary_loss_lapse
        )
    }
    repository.lock(lapsing)  # rare; in the one lock order of cards
    for index, number in numbers.items():
        presentation = presentations[index]
        row = rows.get(number)
        lapsed = row is not None and row.card_id in lapsing
        trail = audit.trail(presentation.actor)
        try:
            outcomes[index] = _identify(repository, trail, settings, presentation, row, lapsed, now)
        except DomainError as error:
            outcomes[index] = error
    return [outcomes[index] for index in range(len(presentations))]


def _as_registered(text: str) -> str:
    """A value read off a card in the form the register keeps it (trimmed, upper case).

    Identify compares what was read with what is registered, which was validated when
    it was registered: a value that fails its check character cannot equal it (a card
    number that fails it is not on record; a holder's number that fails it is a
    mismatch).
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
    """One authorised presentation, given its card's row (None: no card has the number
    presented) and whether the card's temporary loss has lapsed (the card is then locked).

    Refusals, each with its code: a number the register does not know
    (``card_not_on_record``); a known number whose chip or holder differ from the
    register (``card_mismatch``, a possible forgery); a blacklisted card; a card not
    yet activated.
    """
    actor, request = presentation.actor, presentation.request
    permission = Permission.identify_card

    def refusal(detail: str, code: str, card_id: int | None) -> CardRefusedError:
        subject = ("card", card_id if card_id is not None else "presented")
        return CardRefusedError(
            detail, code=code, refusal=refused(actor, permission, subject, request.purpose)
        )

    if row is None:  # a card the register does not know: not issued here, or misread
        raise refusal(
            "卡片未登记：登记信息中没有此卡号，请核对卡号或联系发卡机构",
            "card_not_on_record",
            None,
        )
    if row.card_identification_code != _as_registered(
        request.card_identification_code
    ) or row.social_security_number != _as_registered(request.social_security_number):
        # A registered number on a chip or with a holder the register does not know: a
        # possible forgery or a copied card.
        raise refusal("卡片信息与登记信息不符，请核实持卡人身份", "card_mismatch", row.card_id)
    status = row.status
    if lapsed:  # the card itself, locked above, for the transition
        card = repository.get(row.card_id)
        assert card is not None  # noqa: S101 - read above, and cards are never deleted
        settle_lapsed(repository, audit, settings, card, now)
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
            expired=row.expires_on is not None and row.expires_on < china_day(now),
        ),
    )
