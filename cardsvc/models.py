"""Every mapped model, imported so ``Base.metadata`` is complete (Alembic, tests)."""

from cardsvc.audit.models import AuditEvent
from cardsvc.cards.models import BlacklistEntry, Card, CardStatusChange
from cardsvc.clerks.models import Clerk, LoginFailure
from cardsvc.employers.models import Employer, EmploymentRelation
from cardsvc.employment.models import (
    CertificateSequence,
    EmploymentRegistration,
    EntrepreneurshipService,
    GuaranteedLoan,
    HardshipRecognition,
    SkillRecord,
)
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
from cardsvc.labour.models import CaseProgress, LabourCase
from cardsvc.online.models import OnlineAccount
from cardsvc.platforms.models import Platform, Window
from cardsvc.ratings.models import Rating
from cardsvc.residents.models import Resident
from cardsvc.workflow.models import Application, ApplicationStep, ItemTimeLimit

__all__ = [
    "Application",
    "ApplicationStep",
    "AuditEvent",
    "Base",
    "Benefit",
    "BenefitPayment",
    "BlacklistEntry",
    "Card",
    "CardStatusChange",
    "CaseProgress",
    "CertificateSequence",
    "Clerk",
    "ContributionLimit",
    "ContributionPeriod",
    "Employer",
    "EmploymentRegistration",
    "EmploymentRelation",
    "Enrolment",
    "EntrepreneurshipService",
    "GuaranteedLoan",
    "HardshipRecognition",
    "IdempotencyRecord",
    "ItemTimeLimit",
    "LabourCase",
    "LoginFailure",
    "OnlineAccount",
    "Platform",
    "Rating",
    "RelationTransfer",
    "Resident",
    "RetireeCertification",
    "SkillRecord",
    "Window",
]
