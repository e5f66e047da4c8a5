"""Recording a resident's rating at the window that served them; tallies for reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from cardsvc.clerks.permissions import Actor, Permission, authorize
from cardsvc.errors import ConflictError, NotFoundError
from cardsvc.labour.service import windows_of_case
from cardsvc.ratings.models import Rating
from cardsvc.ratings.repository import RatingRepository
from cardsvc.ratings.schemas import RatingCreate
from cardsvc.workflow.service import windows_of_application


def rate(session: Session, actor: Actor, data: RatingCreate, now: datetime) -> Rating:
    """The rating the resident gave at the clerk's window (the window's terminal sends it),
    of an application or a labour case taken or handled at that window.

    A service is rated once: sent again with the same score it answers the first rating;
    a different score is refused (a rating is not changed).
    """
    authorize(actor, Permission.record_rating)
    kind, _, number = data.service_ref.partition(":")
    served = (windows_of_application if kind == "application" else windows_of_case)(
        session, int(number)
    )
    if actor.window_id not in served:
        raise NotFoundError("本窗口没有办理过这项业务，无法评价", code="service_not_found")
    repository = RatingRepository(session)
    earlier = repository.for_service(data.service_ref)
    if earlier is not None:
        if earlier.score != data.score:
            raise ConflictError("该服务已评价，评价不能修改", code="already_rated")
        return earlier
    rating = Rating(
        score=int(data.score),
        service_ref=data.service_ref,
        clerk_id=actor.clerk_id,
        window_id=actor.window_id,
        platform_id=actor.platform_id,
        rated_at=now,
        comment=data.comment,
    )
    repository.add(rating)
    return rating


def read_rating(session: Session, actor: Actor, rating_id: int) -> Rating:
    authorize(actor, Permission.read_reports)
    found = RatingRepository(session).get(rating_id)
    if found is None or not actor.covers(found.platform.path):
        raise NotFoundError("评价不存在", code="rating_not_found")
    return found


@dataclass(frozen=True)
class Tally:
    clerk_id: int
    window_id: int
    platform_id: int
    ratings: int
    score_sum: int
    satisfied: int


def tallies(session: Session, path: str, since: datetime, until: datetime) -> list[Tally]:
    """Ratings per clerk and window within ``path`` (for the performance report)."""
    return [
        Tally(
            row.clerk_id,
            row.window_id,
            row.platform_id,
            int(row.ratings),
            int(row.score_sum or 0),
            int(row.satisfied or 0),
        )
        for row in RatingRepository(session).tallies(path, since, until)
    ]
