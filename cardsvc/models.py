"""Every mapped model, imported so ``Base.metadata`` is complete (Alembic, tests)."""

from cardsvc.audit.models import AuditEvent
from cardsvc.cards.models import BlacklistEntry, Card, CardStatusChange
from cardsvc.clerks.models import Clerk, LoginFailure
from cardsvc.employers.models import Employer, EmploymentRelation
from cardsvc.idempotency import IdempotencyRecord
from cardsvc.insurance.models import (
    Benefit,
    BenefitPayment,
    ContributionLimit,
    ContributionPeriod,
    Enrolment,
    RelationTransfer,
    RetireeCertification,
)
from cardsvc.kit.base import Base
from cardsvc.platforms.models import Platform, Window
from cardsvc.residents.models import Resident

__all__ = [
    "AuditEvent",
    "Base",
    "Benefit",
    "BenefitPayment",
    "BlacklistEntry",
    "Card",
    "CardStatusChange",
    "Clerk",
    "ContributionLimit",
    "ContributionPeriod",
    "Employer",
    "EmploymentRelation",
    "Enrolment",
    "IdempotencyRecord",
    "LoginFailure",
    "Platform",
    "RelationTransfer",
    "Resident",
    "RetireeCertification",
    "Window",
]
