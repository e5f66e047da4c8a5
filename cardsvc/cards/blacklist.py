"""The blacklist feed terminals pull: versioned entries since the version they hold."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cardsvc.cards.repository import CardRepository
from cardsvc.cards.schemas import BlacklistDelta, BlacklistEntryOut
from cardsvc.clerks.permissions import Actor, Permission, authorize


def blacklist_delta(session: Session, actor: Actor, since: int, limit: int) -> BlacklistDelta:
    """Up to ``limit`` entries after version ``since``; ``complete`` says whether more
    follow (the route links the next delta, from the version reached)."""
    authorize(actor, Permission.read_blacklist)
    repository = CardRepository(session)
    found = repository.blacklist_since(since, limit)
    entries = found.items
    version = entries[-1].version if entries else max(since, repository.blacklist_version())
    return BlacklistDelta(
        since=since,
        version=version,
        complete=not found.more,
        items=[BlacklistEntryOut.model_validate(entry) for entry in entries],
        total=found.total,
        total_exact=found.total_exact,
        next=None,
    )
