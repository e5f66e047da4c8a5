"""Identify: the card checks (``cards.identify``), then the holder's summary, in one batch.

A batch is one unit of work: the cards of every presentation are checked together, and
each accepted card's holder is summarised in the same transaction (the summary a window
shows after the tap). Refusals are answered as the card checks gave them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from cardsvc.cards import identify as card_checks
from cardsvc.cards.schemas import IdentifyResponse
from cardsvc.errors import DomainError
from cardsvc.residents.service import resident_by_id
from cardsvc.settings import Settings
from cardsvc.summary.schemas import IdentifyAnswer
from cardsvc.summary.service import summarise

Presented = card_checks.Presented


def identify_batch(
    session: Session, settings: Settings, batch: Sequence[Presented], now: datetime
) -> list[IdentifyAnswer | DomainError]:
    """Each presentation's answer: the holder's summary with the card, or the refusal."""
    checked = card_checks.identify_batch(session, settings, batch, now)
    return [
        _answer(session, found, now) if isinstance(found, IdentifyResponse) else found
        for found in checked
    ]


def _answer(session: Session, found: IdentifyResponse, now: datetime) -> IdentifyAnswer:
    summary = summarise(session, resident_by_id(session, found.resident.id), now)
    return IdentifyAnswer(card=found.card, **dict(summary))
