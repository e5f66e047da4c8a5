from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, case, func, select
from sqlalchemy.orm import Session

from cardsvc.platforms.models import Platform
from cardsvc.ratings.models import Rating
from cardsvc.ratings.rules import SATISFIED


class RatingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, rating: Rating) -> None:
        self.session.add(rating)
        self.session.flush()

    def get(self, rating_id: int) -> Rating | None:
        return self.session.get(Rating, rating_id)

    def for_service(self, service_ref: str) -> Rating | None:
        return self.session.scalars(
            select(Rating).where(Rating.service_ref == service_ref)
        ).one_or_none()

    def tallies(self, path: str, since: datetime, until: datetime) -> list[Row[Any]]:
        """Per clerk and window: ratings, their sum and how many were satisfied."""
        satisfied = func.sum(case((Rating.score.in_([int(s) for s in SATISFIED]), 1), else_=0))
        return list(
            self.session.execute(
                select(
                    Rating.clerk_id,
                    Rating.window_id,
                    Rating.platform_id,
                    func.count().label("ratings"),
                    func.sum(Rating.score).label("score_sum"),
                    satisfied.label("satisfied"),
                )
                .join(Platform, Platform.id == Rating.platform_id)
                .where(
                    Platform.path.startswith(path, autoescape=True),
                    Rating.rated_at >= since,
                    Rating.rated_at < until,
                )
                .group_by(Rating.clerk_id, Rating.window_id, Rating.platform_id)
            )
        )
