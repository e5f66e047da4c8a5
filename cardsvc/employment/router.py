"""A resident's employment record, as a window reads it (audited)."""

from __future__ import annotations

from fastapi import APIRouter

from cardsvc.deps import ActorDep, AuditDep, PathRowId, Purpose, SessionDep
from cardsvc.employment import service
from cardsvc.employment.schemas import EmploymentRecord
from cardsvc.kit.calendar import china_day
from cardsvc.kit.types import utcnow

router = APIRouter(tags=["employment"])


@router.get("/residents/{resident_id}/employment", response_model=EmploymentRecord)
def read_employment(
    resident_id: PathRowId, purpose: Purpose, actor: ActorDep, audit: AuditDep, session: SessionDep
) -> EmploymentRecord:
    """Registrations, hardship status, loans, skills and entrepreneurship services."""
    return service.read_employment(session, actor, audit, resident_id, purpose, china_day(utcnow()))
