from __future__ import annotations

from fastapi import APIRouter

from cardsvc.deps import ActorDep, AuditDep, PathRowId, Purpose, SessionDep
from cardsvc.kit.types import utcnow
from cardsvc.summary import service
from cardsvc.summary.schemas import ResidentSummary

router = APIRouter(tags=["residents"])


@router.get("/residents/{resident_id}/summary", response_model=ResidentSummary)
def resident_summary(
    resident_id: PathRowId, purpose: Purpose, actor: ActorDep, audit: AuditDep, session: SessionDep
) -> ResidentSummary:
    """Everything a window shows for a resident: identity, cards, employment status, open
    applications and labour cases (audited read)."""
    return service.resident_summary(session, actor, audit, resident_id, purpose, utcnow())
