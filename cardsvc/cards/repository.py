from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cardsvc.cards.models import BlacklistEntry, Card, CardStatusChange


class CardRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _locking(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def by_number(self, card_number: str, *, for_update: bool = False) -> Card | None:
        query = select(Card).where(Card.card_number == card_number)
        if for_update and self._locking():
            query = query.with_for_update(of=Card)
        return self.session.scalars(query).unique().one_or_none()

    def get(self, card_id: int, *, for_update: bool = False) -> Card | None:
        query = select(Card).where(Card.id == card_id)
        if for_update and self._locking():
            query = query.with_for_update(of=Card)
        return self.session.scalars(query).unique().one_or_none()

    def of_resident(self, resident_id: int) -> Sequence[Card]:
        return self.session.scalars(
            select(Card).where(Card.resident_id == resident_id).order_by(Card.id)
        ).all()

    def number_taken(self, card_number: str) -> bool:
        return (
            self.session.scalar(select(Card.id).where(Card.card_number == card_number)) is not None
        )

    def history(self, card_id: int) -> Sequence[CardStatusChange]:
        return self.session.scalars(
            select(CardStatusChange)
            .where(CardStatusChange.card_id == card_id)
            .order_by(CardStatusChange.id)
        ).all()

    def add(self, obj: Card | CardStatusChange | BlacklistEntry) -> None:
        self.session.add(obj)
        self.session.flush()

    def blacklist_since(self, version: int, limit: int) -> Sequence[BlacklistEntry]:
        return self.session.scalars(
            select(BlacklistEntry)
            .where(BlacklistEntry.version > version)
            .order_by(BlacklistEntry.version)
            .limit(limit)
        ).all()

    def blacklist_version(self) -> int:
        return self.session.scalar(select(func.max(BlacklistEntry.version))) or 0
