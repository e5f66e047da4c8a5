"""Labour cases: complaints and mediation, taken at windows, handled by street centres."""

from __future__ import annotations

from fastapi import APIRouter, Response

from cardsvc.deps import ActorDep, AuditDep, PagingDep, PathRowId, Purpose, SessionDep
from cardsvc.kit.pagination import Page
from cardsvc.kit.types import utcnow
from cardsvc.labour import service
from cardsvc.labour.rules import CaseStatus
from cardsvc.labour.schemas import CaseCreate, CaseListItem, CaseOut, ProgressRequest

router = APIRouter(tags=["labour"])


@router.post("/labour-cases", response_model=CaseOut, status_code=201)
def take_case(
    body: CaseCreate, actor: ActorDep, audit: AuditDep, session: SessionDep, response: Response
) -> CaseOut:
    """Take a complaint (举报投诉) or a mediation request (劳动争议调解) at this window."""
    now = utcnow()
    case = service.take_case(session, actor, audit, body, now)
    response.headers["Location"] = f"/labour-cases/{case.id}"
    return service.case_out(case, now)


@router.get("/labour-cases", response_model=Page[CaseListItem])
def list_cases(
    actor: ActorDep,
    session: SessionDep,
    paging: PagingDep,
    status: CaseStatus | None = None,
    overdue: bool = False,
) -> Page[CaseListItem]:
    """Cases taken within the clerk's jurisdiction, earliest due first."""
    found = service.cases(
        session, actor, utcnow(), paging.request, status=status, overdue_only=overdue
    )
    return paging.page(found)


@router.get("/labour-cases/{case_id}", response_model=CaseOut)
def read_case(
    case_id: PathRowId, purpose: Purpose, actor: ActorDep, audit: AuditDep, session: SessionDep
) -> CaseOut:
    """One case with its whole progress (audited read)."""
    return service.read_case(session, actor, audit, case_id, purpose, utcnow())


@router.post("/labour-cases/{case_id}/progress", response_model=CaseOut)
def record_progress(
    case_id: PathRowId, body: ProgressRequest, actor: ActorDep, audit: AuditDep, session: SessionDep
) -> CaseOut:
    """Record what was done; ``status=closed`` with an ``outcome`` closes the case."""
    now = utcnow()
    return service.case_out(service.record_progress(session, actor, audit, case_id, body, now), now)
