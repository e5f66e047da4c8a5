from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from cardsvc.deps import ActorDep, AuditDep, PathRowId, Purpose, SessionDep
from cardsvc.ids import MAX_ROW_ID
from cardsvc.residents import service
from cardsvc.residents.schemas import ResidentCreate, ResidentListItem, ResidentOut

router = APIRouter(tags=["residents"])


@router.post("/residents", response_model=ResidentOut, status_code=201)
def register_resident(
    body: ResidentCreate,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    response: Response,
) -> ResidentOut:
    resident = service.register_resident(session, actor, audit, body)
    response.headers["Location"] = f"/residents/{resident.id}"
    return ResidentOut.model_validate(resident)


@router.get("/residents", response_model=list[ResidentListItem])
def list_residents(
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> list[ResidentListItem]:
    return service.list_residents(session, actor, audit, limit=limit, offset=offset)


@router.get("/residents/{resident_id}", response_model=ResidentOut)
def read_resident(
    resident_id: PathRowId, purpose: Purpose, actor: ActorDep, audit: AuditDep, session: SessionDep
) -> ResidentOut:
    return ResidentOut.model_validate(
        service.read_resident(session, actor, audit, resident_id, purpose)
    )
