"""Who holds a card, as the register says: for other packages (finding a resident by the
number of the card they brought)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cardsvc.cards.repository import CardRepository
from cardsvc.cards.rules import normalise_card_number


def holder_of(session: Session, card_number: str) -> int | None:
    """The id of the resident a card of this number was made for (any of their cards,
    current or past), or None; a number that fails its check character raises
    ``InvalidDataError`` (no card can have it)."""
    return CardRepository(session).holder_of(normalise_card_number(card_number))
