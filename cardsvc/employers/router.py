from __future__ import annotations

from fastapi import APIRouter, Response

from cardsvc.deps import ActorDep, AuditDep, PagingDep, PathRowId, Purpose, SessionDep
from cardsvc.employers import service
from cardsvc.employers.schemas import (
    EmployerCreate,
    EmployerOut,
    EmploymentEnd,
    EmploymentRelationOut,
    EmploymentStart,
    EmploymentStartBody,
)
from cardsvc.kit.pagination import Page

router = APIRouter(tags=["employers"])


@router.post("/employers", response_model=EmployerOut, status_code=201)
def register_employer(
    body: EmployerCreate, actor: ActorDep, audit: AuditDep, session: SessionDep, response: Response
) -> EmployerOut:
    employer = service.register_employer(session, actor, audit, body)
    response.headers["Location"] = f"/employers/{employer.id}"
    return EmployerOut.model_validate(employer)


@router.get("/employers", response_model=Page[EmployerOut])
def list_employers(actor: ActorDep, session: SessionDep, paging: PagingDep) -> Page[EmployerOut]:
    """Employers in the ledgers within the clerk's jurisdiction, oldest first."""
    return paging.page(service.list_employers(session, actor, paging.request))


@router.get("/employers/{employer_id}", response_model=EmployerOut)
def read_employer(employer_id: PathRowId, actor: ActorDep, session: SessionDep) -> EmployerOut:
    return EmployerOut.model_validate(service.read_employer(session, actor, employer_id))


@router.post(
    "/employers/{employer_id}/employment-relations",
    response_model=EmploymentRelationOut,
    status_code=201,
)
def start_employment(
    employer_id: PathRowId,
    body: EmploymentStartBody,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
) -> EmploymentRelationOut:
    """A resident starts working for the employer (用工登记)."""
    data = EmploymentStart(
        resident_id=body.resident_id, employer_id=employer_id, started_on=body.started_on
    )
    return EmploymentRelationOut.model_validate(
        service.start_employment(session, actor, audit, data)
    )


@router.post("/employment-relations/{relation_id}/end", response_model=EmploymentRelationOut)
def end_employment(
    relation_id: PathRowId,
    body: EmploymentEnd,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
) -> EmploymentRelationOut:
    """The employment ends (its last day)."""
    return EmploymentRelationOut.model_validate(
        service.end_employment(session, actor, audit, relation_id, body)
    )


@router.get(
    "/residents/{resident_id}/employment-relations", response_model=Page[EmploymentRelationOut]
)
def employment_relations(
    resident_id: PathRowId,
    purpose: Purpose,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    paging: PagingDep,
) -> Page[EmploymentRelationOut]:
    """The resident's employment relations, oldest first (audited with the purpose)."""
    found = service.employment_relations(
        session, actor, audit, resident_id, purpose, paging.request
    )
    return paging.page(found)
