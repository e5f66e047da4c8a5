"""Where a window reads a resident's insurance records, and where an administrator sets
the regions' base floors and caps. Changes to the records come through the workflow
(an approved application calls ``cardsvc.insurance.service``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from cardsvc.deps import ActorDep, AuditDep, PathRowId, Purpose, SessionDep
from cardsvc.ids import MAX_ROW_ID
from cardsvc.insurance import limits, records
from cardsvc.insurance.rules import Category, Scheme, parse_period
from cardsvc.insurance.schemas import (
    ContributionOut,
    InsuranceRecords,
    InsuranceSummary,
    LimitsInput,
    LimitsOut,
)

router = APIRouter(tags=["insurance"])

_PERIOD = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
PeriodQuery = Annotated[str | None, Query(pattern=_PERIOD, description="YYYY-MM")]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=MAX_ROW_ID)]


@router.get("/residents/{resident_id}/insurance", response_model=InsuranceRecords)
def insurance_records(
    resident_id: PathRowId, purpose: Purpose, actor: ActorDep, audit: AuditDep, session: SessionDep
) -> InsuranceRecords:
    """The resident's insurance summary, enrolments, benefits, transfers and
    certifications (audited with the purpose)."""
    return records.insurance_records(session, actor, audit, resident_id, purpose)


@router.get("/residents/{resident_id}/insurance/summary", response_model=InsuranceSummary)
def insurance_summary(
    resident_id: PathRowId, purpose: Purpose, actor: ActorDep, audit: AuditDep, session: SessionDep
) -> InsuranceSummary:
    """Each scheme's status, months paid and counted, arrears and base; the benefits being
    paid: what a window shows after a tap (audited with the purpose)."""
    return records.insurance_summary(session, actor, audit, resident_id, purpose)


@router.get(
    "/residents/{resident_id}/insurance/contributions", response_model=list[ContributionOut]
)
def contribution_history(
    resident_id: PathRowId,
    purpose: Purpose,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    scheme: Scheme | None = None,
    from_period: PeriodQuery = None,
    to_period: PeriodQuery = None,
    limit: Limit = 120,
    offset: Offset = 0,
) -> list[ContributionOut]:
    """Contribution months, oldest first, of one scheme or all, within a period range
    (audited with the purpose and the range)."""
    return records.contribution_history(
        session,
        actor,
        audit,
        resident_id,
        purpose,
        scheme=scheme,
        first=None if from_period is None else parse_period(from_period),
        last=None if to_period is None else parse_period(to_period),
        limit=limit,
        offset=offset,
    )


@router.get("/contribution-limits", response_model=list[LimitsOut])
def list_limits(
    actor: ActorDep,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[LimitsOut]:
    """Base floors and caps of the administrator's region, the regions in it and above it."""
    found = limits.list_limits(session, actor, year=year, limit=limit, offset=offset)
    return [LimitsOut.model_validate(item) for item in found]


@router.put(
    "/contribution-limits/{region_code}/{year}/{category}/{scheme}",
    response_model=LimitsOut,
    responses={201: {"model": LimitsOut, "description": "Created"}},
)
def set_limits(
    region_code: Annotated[str, Path(pattern=r"^[0-9]{6}$", description="GB/T 2260")],
    year: Annotated[int, Path(ge=1990, le=2100)],
    category: Category,
    scheme: Scheme,
    body: LimitsInput,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    response: Response,
) -> LimitsOut:
    """Set a region's bounds for a year: employees' monthly base floor and cap, or
    urban-rural residents' yearly amount bounds and grades (201 when new)."""
    limit, created = limits.set_limits(
        session, actor, audit, region_code, year, category, scheme, body
    )
    if created:
        response.status_code = 201
    return LimitsOut.model_validate(limit)
