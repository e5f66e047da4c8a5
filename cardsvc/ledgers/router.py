from __future__ import annotations

from fastapi import APIRouter

from cardsvc.deps import ActorDep, AuditDep, PagingDep, SessionDep
from cardsvc.kit.pagination import Page
from cardsvc.kit.types import utcnow
from cardsvc.ledgers import service
from cardsvc.ledgers.schemas import LabourForceRow

router = APIRouter(tags=["ledgers"])


@router.get("/ledgers/labour-force", response_model=Page[LabourForceRow])
def labour_force(
    actor: ActorDep, audit: AuditDep, session: SessionDep, paging: PagingDep
) -> Page[LabourForceRow]:
    """劳动力资源台账: the residents of working age in the clerk's jurisdiction with their
    employment status, kept current by the registrations the windows approve."""
    return paging.page(service.labour_force(session, actor, audit, paging.request, utcnow()))
