"""The regions' contribution bounds (缴费基数上下限, residents' grades): configurable data an
administrator sets within their region, and the bounds that apply to a region and year."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.permissions import Actor, Permission, authorize
from cardsvc.errors import InvalidDataError
from cardsvc.insurance.models import (
    ContributionLimit,
)
from cardsvc.insurance.repository import (
    LimitRepository,
)
from cardsvc.insurance.rules import (
    SCHEME_NAMES,
    SCHEMES_OF,
    Category,
    ContributionBounds,
    Scheme,
    check_bounds,
    no_bounds,
    region_chain,
    region_prefix,
    yuan,
)
from cardsvc.insurance.schemas import (
    LimitsInput,
    LimitsOut,
)
from cardsvc.kit.pagination import PageRequest, Slice
from cardsvc.kit.types import utcnow
from cardsvc.platforms.rules import path_region, region_path


def bounds_for(
    session: Session, region_code: str, year: int, scheme: Scheme, category: Category
) -> ContributionBounds:
    """The bounds that apply: the county's, else the city's, else the province's."""
    found = {
        limit.region_code: limit
        for limit in LimitRepository(session).find(
            region_chain(region_code), year, scheme, category
        )
    }
    for region in region_chain(region_code):
        if region in found:
            limit = found[region]
            return ContributionBounds(limit.floor_fen, limit.cap_fen, tuple(limit.grades_fen or ()))
    raise no_bounds(region_code, year, scheme)


# ---------------------------------------------------------------- floors and caps


def set_limits(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    region_code: str,
    year: int,
    category: Category,
    scheme: Scheme,
    data: LimitsInput,
) -> tuple[ContributionLimit, bool]:
    """Set a region's bounds for a year (within the administrator's jurisdiction); the
    limit and whether it is new."""
    authorize(actor, Permission.manage_contribution_limits, region_path(region_code))
    if scheme not in SCHEMES_OF[category]:
        raise InvalidDataError(
            f"城乡居民没有{SCHEME_NAMES[scheme]}，不设缴费档次", code="scheme_not_for_category"
        )
    bounds = ContributionBounds(data.floor_fen, data.cap_fen, tuple(data.grades_fen or ()))
    check_bounds(category, bounds)
    repository = LimitRepository(session)
    limit = repository.get(region_code, year, scheme, category)
    before = None if limit is None else _limit_snapshot(limit)
    if limit is None:
        limit = repository.add(
            ContributionLimit(
                region_code=region_code,
                year=year,
                scheme=scheme,
                category=category,
                floor_fen=bounds.floor_fen,
                cap_fen=bounds.cap_fen,
                grades_fen=list(bounds.grades_fen) or None,
            )
        )
    else:
        limit.floor_fen, limit.cap_fen = bounds.floor_fen, bounds.cap_fen
        limit.grades_fen = list(bounds.grades_fen) or None
        limit.changed_at = utcnow()
        session.flush()
    audit.change("insurance.limits", "contribution_limit", limit.id, before, _limit_snapshot(limit))
    return limit, before is None


def _limit_snapshot(limit: ContributionLimit) -> dict[str, object]:
    return {
        "region_code": limit.region_code,
        "year": limit.year,
        "scheme": limit.scheme.value,
        "category": limit.category.value,
        "floor": yuan(limit.floor_fen),
        "cap": yuan(limit.cap_fen),
        "grades_fen": limit.grades_fen,
    }


def list_limits(
    session: Session, actor: Actor, *, year: int | None, page: PageRequest
) -> Slice[LimitsOut]:
    """A page of the bounds of the administrator's region, the regions inside it and the
    regions above it (which apply where a region sets none), newest year first."""
    authorize(actor, Permission.manage_contribution_limits)
    region = path_region(actor.platform_path)
    found = LimitRepository(session).visible(
        region_prefix(region), region_chain(region)[1:], year, page
    )
    return found.map(LimitsOut.model_validate)
