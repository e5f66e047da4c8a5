"""One request for everything a window shows after a tap (each domain answers its part)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.cards.lifecycle import card_lines
from cardsvc.clerks.permissions import Actor, Permission
from cardsvc.employment.service import employment_status
from cardsvc.insurance.service import summary as insurance_summary
from cardsvc.kit.calendar import china_day
from cardsvc.labour.service import open_cases
from cardsvc.residents.models import Resident
from cardsvc.residents.schemas import ResidentOut
from cardsvc.residents.service import resident_in_jurisdiction
from cardsvc.summary.schemas import ResidentSummary
from cardsvc.workflow.service import open_applications


def summarise(session: Session, resident: Resident, now: datetime) -> ResidentSummary:
    """The summary of ``resident`` (the caller has checked who asks and audits it)."""
    return ResidentSummary(
        resident=ResidentOut.model_validate(resident),
        cards=card_lines(session, resident.id, china_day(now)),
        employment=employment_status(session, resident.id, china_day(now)),
        insurance=insurance_summary(session, resident.id),
        open_applications=open_applications(session, resident.id, now),
        open_labour_cases=open_cases(session, resident.id, now),
    )


def resident_summary(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    resident_id: int,
    purpose: str,
    now: datetime,
) -> ResidentSummary:
    """A resident's summary for a clerk of their jurisdiction; the read is audited."""
    resident = resident_in_jurisdiction(
        session, actor, resident_id, Permission.read_resident, purpose
    )
    audit.read("resident", resident.id, purpose, via="summary")
    return summarise(session, resident, now)
