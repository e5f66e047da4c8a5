"""Reports as JSON, or as CSV (``?format=csv``) for a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

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

Format = Annotated[Literal["json", "csv"], Query(description="json, or csv for a spreadsheet")]
Day = Annotated[IsoDate, Query(description="YYYY-MM-DD (China time)")]
_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}


def _csv(rows: Sequence[BaseModel], row_type: type[BaseModel], name: str) -> Response:
    """The rows as UTF-8 CSV with a byte-order mark (so spreadsheets read the Chinese)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(row_type.model_fields))
    writer.writeheader()
    for row in rows:
        writer.writerow(row.model_dump(mode="json"))
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/reports/platform-compliance", response_model=ComplianceReport, responses=_CSV)
def platform_compliance(actor: ActorDep, session: SessionDep, format: Format = "json") -> Any:
    """Street centres against the staffing targets: one worker per 6,000 recipients, a
    coordinator in every community, at least 90% of workers certified."""
    report = service.compliance(session, actor, utcnow())
    if format == "csv":
        return _csv(report.streets, StreetCompliance, "platform-compliance")
    return report


@router.get("/reports/service-performance", response_model=PerformanceReport, responses=_CSV)
def service_performance(
    since: Day, until: Day, actor: ActorDep, session: SessionDep, format: Format = "json"
) -> Any:
    """Per clerk and window, and per platform: applications handled, time to decision
    against each item's time limit, overdue applications, residents' ratings; for the
    days from ``since`` up to (not including) ``until``. CSV lists the clerks."""
    report = service.service_performance(session, actor, since, until, utcnow())
    if format == "csv":
        return _csv(report.clerks, ClerkPerformance, "service-performance")
    return report


@router.get("/reports/data-quality", response_model=QualityReport, responses=_CSV)
def data_quality(actor: ActorDep, session: SessionDep, format: Format = "json") -> Any:
    """Per community station: records failing today's rules, likely duplicates, stale
    records, and the accuracy against the 95% target."""
    report = service.data_quality(session, actor, utcnow())
    if format == "csv":
        return _csv(report.platforms, PlatformQuality, "data-quality")
    return report
