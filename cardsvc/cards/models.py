from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cardsvc.cards.rules import PENDING, PROFILE_STATUS, USABLE, CardEvent, CardState
from cardsvc.kit.base import Base
from cardsvc.kit.types import str_enum, utcnow
from cardsvc.residents.models import Resident


def _states_sql(states: frozenset[CardState]) -> str:
    return "status IN (" + ", ".join(f"'{state.value}'" for state in sorted(states)) + ")"


class Card(Base):
    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    card_number: Mapped[str] = mapped_column(String(9), unique=True)
    card_identification_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    generation: Mapped[str] = mapped_column(String(4))
    key_version: Mapped[int]
    issued_on: Mapped[date | None]
    expires_on: Mapped[date | None]
    status: Mapped[CardState] = mapped_column(str_enum(CardState, 20))
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The card this one replaces or renews; superseded when this one is activated.
    predecessor_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))
    order_reason: Mapped[str] = mapped_column(String(12))
    version: Mapped[int] = mapped_column(default=1)

    resident: Mapped[Resident] = relationship(lazy="joined")

    @property
    def profile_status(self) -> str:
        """Profile §8: 0 sealed, 1 normal, 2 lost, 3 locked, 4 temporarily lost, 9 cancelled."""
        return PROFILE_STATUS[self.status]

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's mapper hook
    __table_args__ = (
        Index(
            "uq_cards_one_usable_per_resident",
            "resident_id",
            unique=True,
            sqlite_where=text(_states_sql(USABLE)),
            postgresql_where=text(_states_sql(USABLE)),
        ),
        Index(
            "uq_cards_one_pending_per_resident",
            "resident_id",
            unique=True,
            sqlite_where=text(_states_sql(PENDING)),
            postgresql_where=text(_states_sql(PENDING)),
        ),
    )


class CardStatusChange(Base):
    """The full status history of a card, one row per transition."""

    __tablename__ = "card_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    from_status: Mapped[CardState | None] = mapped_column(str_enum(CardState, 20))
    to_status: Mapped[CardState] = mapped_column(str_enum(CardState, 20))
    event: Mapped[CardEvent | None] = mapped_column(str_enum(CardEvent, 24))
    reason: Mapped[str | None] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    clerk_id: Mapped[int | None]
    window_id: Mapped[int | None]


class BlacklistEntry(Base):
    """The versioned feed terminals pull: ``version`` only grows."""

    __tablename__ = "blacklist_entries"

    version: Mapped[int] = mapped_column(primary_key=True)
    card_number: Mapped[str] = mapped_column(String(9), index=True)
    card_identification_code: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(6))  # "add" or "remove"
    status: Mapped[CardState] = mapped_column(str_enum(CardState, 20))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
