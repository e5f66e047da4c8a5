from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, Table, func, insert, literal, null, select
from sqlalchemy.orm import Session

from cardsvc.cards.models import BlacklistEntry, Card, CardStatusChange
from cardsvc.cards.rules import BLACKLISTED, CardState
from cardsvc.kit.dialect import among, locks_rows, serialise
from cardsvc.kit.pagination import PageRequest, Slice, paginate
from cardsvc.kit.types import UtcDateTime
from cardsvc.platforms.models import Platform
from cardsvc.residents.models import Resident

# Any constant: the PostgreSQL advisory lock that serialises appends to the blacklist feed.
_BLACKLIST_LOCK = 0x55CA7E


# What identify reads of the presented cards and their holders: one Core statement for a
# whole batch, built once per dialect. Nothing is locked: identify only reads, except when
# a lapsed temporary loss must be written back, and that loads the card again with its lock.
@cache
def _presented(dialect: str) -> Select[*tuple[Any, ...]]:
    return (
        select(
            Card.id.label("card_id"),
            Card.card_number,
            Card.card_identification_code,
            Card.status,
            Card.status_changed_at,
            Card.expires_on,
            Resident.id.label("resident_id"),
            Resident.social_security_number,
            Resident.name,
            Resident.sex,
            Resident.birth_date,
            Resident.ethnic_group,
            Resident.platform_id,
        )
        .join(Resident, Resident.id == Card.resident_id)
        .where(among(Card.card_number, "card_numbers", dialect))
    )


def _of_resident(resident_id: int) -> Select[Card]:
    return select(Card).where(Card.resident_id == resident_id).order_by(Card.id)


class CardRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_number(self, card_number: str, *, for_update: bool = False) -> Card | None:
        query = select(Card).where(Card.card_number == card_number)
        if for_update and locks_rows(self.session):
            query = query.with_for_update(of=Card)
        return self.session.scalars(query).unique().one_or_none()

    def holder_of(self, card_number: str) -> int | None:
        """The resident id of the card numbered ``card_number`` (None: no such card)."""
        return self.session.scalar(select(Card.resident_id).where(Card.card_number == card_number))

    def presented(self, card_numbers: Collection[str]) -> dict[str, Row[*tuple[Any, ...]]]:
        """The cards among ``card_numbers`` with their holders' summaries, by card number."""
        connection = self.session.connection()
        rows = connection.execute(
            _presented(connection.dialect.name), {"card_numbers": list(card_numbers)}
        )
        return {row.card_number: row for row in rows}

    def lock(self, card_ids: Collection[int]) -> Sequence[Card]:
        """Lock ``card_ids`` until commit and load them as they are now.

        The one lock order of cards: ascending id, in one statement. Every path that
        locks more than one card locks them here (activating a replacement and its
        predecessor, a resident's cards, lapsing temporary losses), so two transactions
        never wait for each other's cards in a cycle.
        """
        if not card_ids:
            return []
        query = (
            select(Card)
            .where(Card.id.in_(sorted(card_ids)))
            .order_by(Card.id)
            .execution_options(populate_existing=True)
        )
        if locks_rows(self.session):
            query = query.with_for_update(of=Card)
        return self.session.scalars(query).unique().all()

    def get(self, card_id: int) -> Card | None:
        """The card, unlocked (``lock`` takes cards' locks, in their one order)."""
        return self.session.scalars(select(Card).where(Card.id == card_id)).unique().one_or_none()

    def of_resident(self, resident_id: int) -> Sequence[Card]:
        """The resident's cards, oldest first."""
        return self.session.scalars(_of_resident(resident_id)).unique().all()

    def page_of_resident(self, resident_id: int, page: PageRequest) -> Slice[Card]:
        """A page of the resident's cards, oldest first (unlocked: ``lock`` them)."""
        return paginate(self.session, _of_resident(resident_id), page)

    def temporarily_lost_since(self, before: datetime, limit: int) -> Sequence[Card]:
        """Temporary losses reported before ``before``, locked; rows others hold are skipped."""
        query = (
            select(Card)
            .where(Card.status == CardState.temporarily_lost, Card.status_changed_at <= before)
            .order_by(Card.id)
            .limit(limit)
        )
        if locks_rows(self.session):
            query = query.with_for_update(of=Card, skip_locked=True)
        return self.session.scalars(query).unique().all()

    def residents_without_live_card(
        self, path: str, live: Collection[CardState], today: date
    ) -> dict[int, int]:
        """Per platform within ``path``: residents with no card in a ``live`` state and
        unexpired on ``today``."""
        has_card = (
            select(Card.id)
            .where(
                Card.resident_id == Resident.id,
                Card.status.in_(list(live)),
                Card.expires_on >= today,
            )
            .exists()
        )
        rows = self.session.execute(
            select(Resident.platform_id, func.count())
            .join(Platform, Platform.id == Resident.platform_id)
            .where(Platform.path.startswith(path, autoescape=True), ~has_card)
            .group_by(Resident.platform_id)
        )
        return {platform_id: count for platform_id, count in rows}

    def count_temporarily_lost_since(self, before: datetime) -> int:
        """How many temporary losses were reported before ``before`` (nothing locked)."""
        query = select(func.count()).where(
            Card.status == CardState.temporarily_lost, Card.status_changed_at <= before
        )
        return int(self.session.scalar(query) or 0)

    def number_taken(self, card_number: str) -> bool:
        return (
            self.session.scalar(select(Card.id).where(Card.card_number == card_number)) is not None
        )

    def history(self, card_id: int, page: PageRequest) -> Slice[CardStatusChange]:
        """A page of the card's status changes, oldest first."""
        query = (
            select(CardStatusChange)
            .where(CardStatusChange.card_id == card_id)
            .order_by(CardStatusChange.id)
        )
        return paginate(self.session, query, page)

    def add(self, obj: Card | CardStatusChange) -> None:
        self.session.add(obj)
        self.session.flush()

    def append_blacklist(self, entry: BlacklistEntry) -> None:
        """Give ``entry`` the next version and add it.

        Appenders are serialised until they commit (an advisory lock on PostgreSQL; SQLite
        writers are serial), so versions are contiguous and become visible in order: a
        terminal that has seen version n can never later miss an entry below n.
        """
        entry.version = self.lock_blacklist() + 1
        self.session.add(entry)
        self.session.flush()

    def add_staged(self, staging: Table, now: datetime) -> None:
        """Record every card of an import's checked staging table against its resident:
        the cards, the first entry of each card's history, and a blacklist entry for each
        card imported blacklisted (versions after the current one, in file order)."""
        at = literal(now, UtcDateTime())
        self.session.execute(
            insert(Card).from_select(
                [
                    "resident_id",
                    "card_number",
                    "card_identification_code",
                    "generation",
                    "key_version",
                    "issued_on",
                    "expires_on",
                    "status",
                    "status_changed_at",
                    "predecessor_id",
                    "order_reason",
                    "version",
                ],
                select(
                    Resident.id,
                    staging.c.card_number,
                    staging.c.card_identification_code,
                    staging.c.generation,
                    staging.c.key_version,
                    staging.c.issued_on,
                    staging.c.expires_on,
                    staging.c.status,
                    at,
                    null(),
                    literal("first"),
                    literal(1),
                )
                .join(Resident, Resident.social_security_number == staging.c.social_security_number)
                .order_by(staging.c.line),
            )
        )
        self.session.execute(
            insert(CardStatusChange).from_select(
                ["card_id", "from_status", "to_status", "event", "reason", "occurred_at"],
                select(Card.id, null(), Card.status, null(), literal("imported"), at)
                .join(staging, staging.c.card_number == Card.card_number)
                .order_by(Card.id),
            )
        )
        blacklisted = [state.value for state in BLACKLISTED]
        base = self.lock_blacklist()
        self.session.execute(
            insert(BlacklistEntry).from_select(
                [
                    "version",
                    "card_number",
                    "card_identification_code",
                    "action",
                    "status",
                    "occurred_at",
                ],
                select(
                    literal(base) + func.row_number().over(order_by=staging.c.line),
                    staging.c.card_number,
                    staging.c.card_identification_code,
                    literal("add"),
                    staging.c.status,
                    at,
                ).where(staging.c.status.in_(blacklisted)),
            )
        )

    def lock_blacklist(self) -> int:
        """Become the only appender until commit; the current version."""
        serialise(self.session, _BLACKLIST_LOCK)
        return self.blacklist_version()

    def blacklist_since(self, version: int, limit: int) -> Slice[BlacklistEntry]:
        """The first ``limit`` entries after ``version``, in version order."""
        query = (
            select(BlacklistEntry)
            .where(BlacklistEntry.version > version)
            .order_by(BlacklistEntry.version)
        )
        return paginate(self.session, query, PageRequest(limit))

    def blacklist_version(self) -> int:
        return self.session.scalar(select(func.max(BlacklistEntry.version))) or 0
