from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from cardsvc.deps import ActorDep, AuditDep, PagingDep, PathRowId, Purpose, SessionDep
from cardsvc.kit.pagination import Page
from cardsvc.residents import service
from cardsvc.residents.rules import EARLIEST_BIRTH, Sex
from cardsvc.residents.schemas import (
    ResidentCreate,
    ResidentListItem,
    ResidentLookup,
    ResidentOut,
)

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


@router.get("/residents", response_model=Page[ResidentListItem])
def list_residents(
    purpose: Purpose,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    paging: PagingDep,
    social_security_number: Annotated[
        str | None,
        Query(max_length=40, description="Exactly this number (GB 11643, check character)"),
    ] = None,
    card_number: Annotated[
        str | None,
        Query(max_length=40, description="The holder of a card of this number (9 characters)"),
    ] = None,
    name: Annotated[
        str | None, Query(max_length=120, description="Exactly this name (姓名)")
    ] = None,
    sex: Annotated[Sex | None, Query(description="Narrows a lookup (1 male, 2 female)")] = None,
    birth_year: Annotated[
        int | None, Query(ge=EARLIEST_BIRTH.year, le=9999, description="Narrows a lookup")
    ] = None,
) -> Page[ResidentListItem]:
    """Residents within the clerk's jurisdiction, masked (all of them, page by page, or
    those a lookup finds: every criterion given must match); audited with the purpose.
    Open one with ``GET /residents/{id}``."""
    lookup = ResidentLookup(
        social_security_number=social_security_number,
        card_number=card_number,
        name=name,
        sex=sex,
        birth_year=birth_year,
    )
    found = service.find_residents(session, actor, audit, lookup, purpose, paging.request)
    return paging.page(found)


@router.get("/residents/{resident_id}", response_model=ResidentOut)
def read_resident(
    resident_id: PathRowId, purpose: Purpose, actor: ActorDep, audit: AuditDep, session: SessionDep
) -> ResidentOut:
    return ResidentOut.model_validate(
        service.read_resident(session, actor, audit, resident_id, purpose)
    )
