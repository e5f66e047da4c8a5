"""Every mapped model, imported so ``Base.metadata`` is complete (Alembic, tests)."""

from cardsvc.audit.models import AuditEvent
from cardsvc.cards.models import BlacklistEntry, Card, CardStatusChange
from cardsvc.clerks.models import Clerk, LoginFailure
from cardsvc.idempotency import IdempotencyRecord
from cardsvc.kit.base import Base
from cardsvc.platforms.models import Platform, Window
from cardsvc.residents.models import Resident

__all__ = [
    "AuditEvent",
    "Base",
    "BlacklistEntry",
    "Card",
    "CardStatusChange",
    "Clerk",
    "IdempotencyRecord",
    "LoginFailure",
    "Platform",
    "Resident",
    "Window",
]
