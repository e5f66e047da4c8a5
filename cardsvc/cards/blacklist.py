"""The blacklist feed terminals pull: versioned entries since the version they hold."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cardsvc.cards.repository import CardRepository
from cardsvc.cards.schemas import BlacklistDelta, BlacklistEntryOut
from cardsvc.clerks.permissions import Actor, Permission, authorize


def blacklist_delta(session: Session, actor: Actor, since: int, limit: int) -> BlacklistDelta:
    """Up to ``limit`` entries after version ``since``; ``complete`` says whether more follow."""
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
