from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cardsvc.answers import CSV_RESPONSE, Format, csv_answer
from cardsvc.deps import ActorDep, AuditDep, PagingDep, SessionDep
from cardsvc.kit.pagination import Page
from cardsvc.kit.types import utcnow
from cardsvc.ledgers import service
from cardsvc.ledgers.schemas import (
    CoverageLedger,
    CoverageLedgerRow,
    EmploymentLedger,
    EmploymentLedgerRow,
    LabourForceRow,
)

router = APIRouter(tags=["ledgers"])


@router.get("/ledgers/labour-force", response_model=Page[LabourForceRow])
def labour_force(
    actor: ActorDep, audit: AuditDep, session: SessionDep, paging: PagingDep
) -> Page[LabourForceRow]:
    """劳动力资源台账: the residents of working age in the clerk's jurisdiction with their
    employment status, kept current by the registrations the windows approve."""
    return paging.page(service.labour_force(session, actor, audit, paging.request, utcnow()))


@router.get("/ledgers/employment", response_model=EmploymentLedger, responses=CSV_RESPONSE)
def employment_ledger(
    actor: ActorDep, audit: AuditDep, session: SessionDep, format: Format = "json"
) -> Any:
    """就业台账: per community station, registrations in force and hardship recognitions."""
    now = utcnow()
    rows = service.employment_ledger(session, actor, audit, now)
    if format == "csv":
        return csv_answer(rows, EmploymentLedgerRow, "employment-ledger")
    return EmploymentLedger(generated_at=now, platforms=rows)


@router.get("/ledgers/insurance-coverage", response_model=CoverageLedger, responses=CSV_RESPONSE)
def coverage_ledger(
    actor: ActorDep, audit: AuditDep, session: SessionDep, format: Format = "json"
) -> Any:
    """参保台账: per community station, residents enrolled and paying in each scheme."""
    rows = service.coverage_ledger(session, actor, audit)
    if format == "csv":
        return csv_answer(rows, CoverageLedgerRow, "insurance-coverage")
    return CoverageLedger(generated_at=utcnow(), platforms=rows)
