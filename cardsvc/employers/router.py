from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from cardsvc.deps import ActorDep, AuditDep, PathRowId, Purpose, SessionDep
from cardsvc.employers import service
from cardsvc.employers.schemas import (
    EmployerCreate,
    EmployerOut,
    EmploymentEnd,
    EmploymentRelationOut,
    EmploymentStart,
    EmploymentStartBody,
)
from cardsvc.ids import MAX_ROW_ID

router = APIRouter(tags=["employers"])


@router.post("/employers", response_model=EmployerOut, status_code=201)
def register_employer(
    body: EmployerCreate, actor: ActorDep, audit: AuditDep, session: SessionDep, response: Response
) -> EmployerOut:
    employer = service.register_employer(session, actor, audit, body)
    response.headers["Location"] = f"/employers/{employer.id}"
    return EmployerOut.model_validate(employer)


@router.get("/employers", response_model=list[EmployerOut])
def list_employers(
    actor: ActorDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID)] = 0,
) -> list[EmployerOut]:
    employers = service.list_employers(session, actor, limit=limit, offset=offset)
    return [EmployerOut.model_validate(employer) for employer in employers]


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
    "/residents/{resident_id}/employment-relations", response_model=list[EmploymentRelationOut]
)
def employment_relations(
    resident_id: PathRowId, purpose: Purpose, actor: ActorDep, audit: AuditDep, session: SessionDep
) -> list[EmploymentRelationOut]:
    """The resident's employment relations, oldest first (audited with the purpose)."""
    relations = service.employment_relations(session, actor, audit, resident_id, purpose)
    return [EmploymentRelationOut.model_validate(relation) for relation in relations]
