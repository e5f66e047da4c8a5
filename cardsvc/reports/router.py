"""Reports as JSON, or as CSV (``?format=csv``) for a spreadsheet."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from cardsvc.answers import CSV_RESPONSE, Format, csv_answer
from cardsvc.deps import ActorDep, SessionDep
from cardsvc.kit.text import IsoDate
from cardsvc.kit.types import utcnow
from cardsvc.reports import service
from cardsvc.reports.schemas import (
    ClerkPerformance,
    ComplianceReport,
    PerformanceReport,
    PlatformQuality,
    QualityReport,
    StreetCompliance,
)

router = APIRouter(tags=["reports"])

Day = Annotated[IsoDate, Query(description="YYYY-MM-DD (China time)")]


@router.get("/reports/platform-compliance", response_model=ComplianceReport, responses=CSV_RESPONSE)
def platform_compliance(actor: ActorDep, session: SessionDep, format: Format = "json") -> Any:
    """Street centres against the staffing targets: one worker per 6,000 recipients, a
    coordinator in every community, at least 90% of workers certified."""
    report = service.compliance(session, actor, utcnow())
    if format == "csv":
        return csv_answer(report.streets, StreetCompliance, "platform-compliance")
    return report


@router.get(
    "/reports/service-performance", response_model=PerformanceReport, responses=CSV_RESPONSE
)
def service_performance(
    since: Day, until: Day, actor: ActorDep, session: SessionDep, format: Format = "json"
) -> Any:
    """Per clerk and window, and per platform: applications handled, time to decision
    against each item's time limit, overdue applications, residents' ratings; for the
    days from ``since`` up to (not including) ``until``. CSV lists the clerks."""
    report = service.service_performance(session, actor, since, until, utcnow())
    if format == "csv":
        return csv_answer(report.clerks, ClerkPerformance, "service-performance")
    return report


@router.get("/reports/data-quality", response_model=QualityReport, responses=CSV_RESPONSE)
def data_quality(actor: ActorDep, session: SessionDep, format: Format = "json") -> Any:
    """Per community station: records failing today's rules, likely duplicates, stale
    records, and the accuracy against the 95% target."""
    report = service.data_quality(session, actor, utcnow())
    if format == "csv":
        return csv_answer(report.platforms, PlatformQuality, "data-quality")
    return report
