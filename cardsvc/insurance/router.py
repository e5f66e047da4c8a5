"""Where a window reads a resident's insurance records, and where an administrator sets
the regions' base floors and caps. Changes to the records come through the workflow
(an approved application calls ``cardsvc.insurance.service``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from cardsvc.deps import ActorDep, AuditDep, PagingDep, PathRowId, Purpose, SessionDep
from cardsvc.insurance import limits, records
from cardsvc.insurance.rules import Category, Scheme, parse_period
from cardsvc.insurance.schemas import (
    ContributionOut,
    InsuranceRecords,
    InsuranceSummary,
    LimitsInput,
    LimitsOut,
)
from cardsvc.kit.pagination import Page

router = APIRouter(tags=["insurance"])

_PERIOD = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
PeriodQuery = Annotated[str | None, Query(pattern=_PERIOD, description="YYYY-MM")]


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
    "/residents/{resident_id}/insurance/contributions", response_model=Page[ContributionOut]
)
def contribution_history(
    resident_id: PathRowId,
    purpose: Purpose,
    actor: ActorDep,
    audit: AuditDep,
    session: SessionDep,
    paging: PagingDep,
    scheme: Scheme | None = None,
    from_period: PeriodQuery = None,
    to_period: PeriodQuery = None,
) -> Page[ContributionOut]:
    """Contribution months, oldest first, of one scheme or all, within a period range
    (audited with the purpose and the range)."""
    found = records.contribution_history(
        session,
        actor,
        audit,
        resident_id,
        purpose,
        paging.request,
        scheme=scheme,
        first=None if from_period is None else parse_period(from_period),
        last=None if to_period is None else parse_period(to_period),
    )
    return paging.page(found)


@router.get("/contribution-limits", response_model=Page[LimitsOut])
def list_limits(
    actor: ActorDep,
    session: SessionDep,
    paging: PagingDep,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
) -> Page[LimitsOut]:
    """Base floors and caps of the administrator's region, the regions in it and above it."""
    return paging.page(limits.list_limits(session, actor, year=year, page=paging.request))


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
