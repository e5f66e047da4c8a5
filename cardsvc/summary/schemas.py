"""The resident summary as a window (or the resident online) reads it."""

from __future__ import annotations

from pydantic import BaseModel

from cardsvc.cards.schemas import CardSummary
from cardsvc.employment.schemas import EmploymentStatus
from cardsvc.insurance.schemas import InsuranceSummary
from cardsvc.labour.schemas import CaseListItem
from cardsvc.residents.schemas import ResidentOut
from cardsvc.workflow.schemas import QueueItem


class ResidentSummary(BaseModel):
    """Identity, cards, employment, insurance (each scheme's enrolment with months paid
    and arrears, benefits being paid), open applications and labour cases."""

    resident: ResidentOut
    cards: list[CardSummary]
    employment: EmploymentStatus
    insurance: InsuranceSummary
    open_applications: list[QueueItem]
    open_labour_cases: list[CaseListItem]


class IdentifyAnswer(ResidentSummary):
    """Identify's answer: the card presented, and its holder's summary."""

    card: CardSummary
