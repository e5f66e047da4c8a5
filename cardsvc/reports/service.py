"""The supervisors' reports, assembled from each domain's own counts.

Every report covers the clerk's jurisdiction (their platform and everything below it).
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy.orm import Session

from cardsvc.cards.lifecycle import residents_without_live_card
from cardsvc.clerks.permissions import Actor, Permission, Role, authorize
from cardsvc.clerks.service import clerk_names, staffing
from cardsvc.errors import InvalidDataError
from cardsvc.kit.calendar import CHINA, china_day
from cardsvc.platforms.models import Platform
from cardsvc.platforms.rules import Level
from cardsvc.platforms.service import platforms_within
from cardsvc.ratings.service import Tally, tallies
from cardsvc.reports.rules import (
    ACCURACY_TARGET,
    CERTIFIED_TARGET,
    MAX_REPORT_DAYS,
    accuracy,
    ratio,
    workers_needed,
)
from cardsvc.reports.schemas import (
    ClerkPerformance,
    ComplianceReport,
    PerformanceReport,
    PlatformPerformance,
    PlatformQuality,
    QualityReport,
    StreetCompliance,
)
from cardsvc.residents.service import counts_by_platform, quality_by_platform
from cardsvc.workflow.rules import Step
from cardsvc.workflow.service import performance


def _under(platforms: list[Platform], top: Platform) -> list[Platform]:
    return [p for p in platforms if p.path.startswith(top.path)]


def compliance(session: Session, actor: Actor, now: datetime) -> ComplianceReport:
    """Each street centre in the jurisdiction against the staffing targets."""
    authorize(actor, Permission.read_reports)
    platforms = list(platforms_within(session, actor.platform_path))
    residents = counts_by_platform(session, actor.platform_path)
    staff = staffing(session, actor.platform_path)
    rows = []
    for street in (p for p in platforms if p.level is Level.street):
        below = _under(platforms, street)
        ids = {p.id for p in below}
        communities = [p for p in below if p.level is Level.community]
        workers = [s for s in staff if s.platform_id in ids]
        street_workers = sum(1 for s in workers if s.platform_id == street.id)
        coordinators = {s.platform_id for s in workers if s.role is Role.community_clerk}
        recipients = sum(residents.get(i, 0) for i in ids)
        certified = sum(1 for s in workers if s.certified)
        rate = ratio(certified, len(workers))
        needed = workers_needed(recipients)
        rows.append(
            StreetCompliance(
                platform_id=street.id,
                unified_code=street.unified_code,
                name=street.name,
                service_recipients=recipients,
                street_workers=street_workers,
                workers_needed=needed,
                meets_worker_norm=street_workers >= needed,
                communities=len(communities),
                communities_without_coordinator=sum(
                    1 for c in communities if c.id not in coordinators
                ),
                workers_total=len(workers),
                certified=certified,
                certified_rate=rate,
                meets_certified_target=rate is not None and rate >= CERTIFIED_TARGET,
            )
        )
    return ComplianceReport(generated_at=now, streets=rows)


def _period(since: date, until: date) -> tuple[datetime, datetime]:
    if until <= since:
        raise InvalidDataError("统计截止日期须晚于起始日期", code="invalid_period")
    if (until - since).days > MAX_REPORT_DAYS:
        raise InvalidDataError("统计期间最长一年", code="period_too_long")
    return datetime.combine(since, time(), CHINA), datetime.combine(until, time(), CHINA)


def _scores(rated: list[Tally]) -> tuple[int, float | None, float | None]:
    count = sum(t.ratings for t in rated)
    average = round(sum(t.score_sum for t in rated) / count, 2) if count else None
    return count, average, ratio(sum(t.satisfied for t in rated), count)


def service_performance(
    session: Session, actor: Actor, since: date, until: date, now: datetime
) -> PerformanceReport:
    """Applications handled, time to decision against the time limits, and ratings, per
    clerk and window and per platform, for the days [since, until) (China time)."""
    authorize(actor, Permission.read_reports)
    start, end = _period(since, until)
    path = actor.platform_path
    work, by_platform = performance(session, path, start, end, now)
    rated = tallies(session, path, start, end)
    by_desk: dict[tuple[int, int, int], list[Tally]] = {}
    by_platform_rated: dict[int, list[Tally]] = {}
    for tally in rated:
        by_desk.setdefault((tally.clerk_id, tally.window_id, tally.platform_id), []).append(tally)
        by_platform_rated.setdefault(tally.platform_id, []).append(tally)
    names = clerk_names(session, {w.clerk_id for w in work} | {t.clerk_id for t in rated})
    keys = sorted({(w.clerk_id, w.window_id, w.platform_id) for w in work} | set(by_desk))
    steps = {(w.clerk_id, w.window_id, w.platform_id): w.steps for w in work}
    clerks = []
    for key in keys:
        counts = steps.get(key, {})
        count, average, satisfied = _scores(by_desk.get(key, []))
        clerks.append(
            ClerkPerformance(
                clerk_id=key[0],
                clerk_name=names.get(key[0], ""),
                window_id=key[1],
                platform_id=key[2],
                submitted=counts.get(Step.submit, 0),
                reviewed=counts.get(Step.review, 0),
                approved=counts.get(Step.approve, 0),
                rejected=counts.get(Step.reject, 0),
                ratings=count,
                average_score=average,
                satisfied_rate=satisfied,
            )
        )
    platforms = []
    active = set(by_platform) | set(by_platform_rated)
    for platform in platforms_within(session, path):
        if platform.id not in active:
            continue
        done = by_platform.get(platform.id)
        count, average, satisfied = _scores(by_platform_rated.get(platform.id, []))
        platforms.append(
            PlatformPerformance(
                platform_id=platform.id,
                unified_code=platform.unified_code,
                name=platform.name,
                decided=done.decided if done else 0,
                within_time_limit=done.within_limit if done else 0,
                on_time_rate=ratio(done.within_limit, done.decided) if done else None,
                average_days_to_decision=(
                    round(done.total_days / done.decided, 2) if done and done.decided else None
                ),
                open_overdue=done.open_overdue if done else 0,
                ratings=count,
                average_score=average,
                satisfied_rate=satisfied,
            )
        )
    return PerformanceReport(
        since=since, until=until, generated_at=now, platforms=platforms, clerks=clerks
    )


def data_quality(session: Session, actor: Actor, now: datetime) -> QualityReport:
    """Per community station: records failing today's rules, likely duplicates, stale
    records, and the accuracy the guidance targets (≥ 95%)."""
    authorize(actor, Permission.read_reports)
    path = actor.platform_path
    today = china_day(now)
    quality = quality_by_platform(session, path, today)
    stale = residents_without_live_card(session, path, today)
    rows = []
    for platform in platforms_within(session, path):
        found = quality.get(platform.id)
        if found is None:
            continue
        measured = accuracy(found.records, found.failed_validation, found.duplicates)
        rows.append(
            PlatformQuality(
                platform_id=platform.id,
                unified_code=platform.unified_code,
                name=platform.name,
                records=found.records,
                failed_validation=found.failed_validation,
                duplicates=found.duplicates,
                stale=stale.get(platform.id, 0),
                accuracy=measured,
                meets_accuracy_target=measured is not None and measured >= ACCURACY_TARGET,
            )
        )
    return QualityReport(generated_at=now, accuracy_target=ACCURACY_TARGET, platforms=rows)
