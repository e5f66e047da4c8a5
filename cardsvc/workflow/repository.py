"""Applications, their steps and the items' local time limits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import Session, lazyload

from cardsvc.platforms.models import Platform
from cardsvc.workflow.models import Application, ApplicationStep, ItemTimeLimit
from cardsvc.workflow.rules import OPEN, Status


class WorkflowRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: Application | ApplicationStep | ItemTimeLimit) -> None:
        self.session.add(obj)
        self.session.flush()

    def get(self, application_id: int) -> Application | None:
        return self.session.get(Application, application_id)

    def time_limit(self, item_code: str) -> ItemTimeLimit | None:
        return self.session.get(ItemTimeLimit, item_code)

    def time_limits(self) -> dict[str, int]:
        rows = self.session.scalars(select(ItemTimeLimit)).all()
        return {row.item_code: row.working_days for row in rows}

    def queue(
        self,
        path: str,
        *,
        status: Status | None,
        item_code: str | None,
        overdue_at: datetime | None,
    ) -> Select[Any]:
        """Applications taken within ``path``, the most pressing (earliest due) first."""
        query = (
            select(Application)
            .join(Application.platform)
            .where(Platform.path.startswith(path, autoescape=True))
            .options(lazyload(Application.steps))  # a queue row shows no steps
        )
        if status is not None:
            query = query.where(Application.status == status)
        if item_code is not None:
            query = query.where(Application.item_code == item_code)
        if overdue_at is not None:
            query = query.where(Application.status.in_(OPEN), Application.due_at < overdue_at)
        return query.order_by(Application.due_at, Application.id)

    def of_resident(self, resident_id: int, *, open_only: bool) -> Sequence[Application]:
        """A resident's applications without their steps (the summary on identify's path
        lists them; it needs no steps)."""
        query = (
            select(Application)
            .where(Application.resident_id == resident_id)
            .options(lazyload(Application.steps))
        )
        if open_only:
            query = query.where(Application.status.in_(OPEN))
        return self.session.scalars(query.order_by(Application.id)).all()

    def steps_by_clerk(self, path: str, since: datetime, until: datetime) -> list[Row[Any]]:
        """Steps taken within ``path`` in [since, until), per clerk, window and step."""
        return list(
            self.session.execute(
                select(
                    ApplicationStep.clerk_id,
                    ApplicationStep.window_id,
                    ApplicationStep.platform_id,
                    ApplicationStep.step,
                    func.count().label("steps"),
                )
                .join(Platform, Platform.id == ApplicationStep.platform_id)
                .where(
                    Platform.path.startswith(path, autoescape=True),
                    ApplicationStep.at >= since,
                    ApplicationStep.at < until,
                )
                .group_by(
                    ApplicationStep.clerk_id,
                    ApplicationStep.window_id,
                    ApplicationStep.platform_id,
                    ApplicationStep.step,
                )
            )
        )

    def decided(self, path: str, since: datetime, until: datetime) -> list[Row[Any]]:
        """Applications taken within ``path`` and decided in [since, until)."""
        return list(
            self.session.execute(
                select(
                    Application.platform_id,
                    Application.submitted_at,
                    Application.decided_at,
                    Application.due_at,
                )
                .join(Application.platform)
                .where(
                    Platform.path.startswith(path, autoescape=True),
                    Application.decided_at >= since,
                    Application.decided_at < until,
                )
            )
        )

    def open_overdue(self, path: str, now: datetime) -> dict[int, int]:
        rows = self.session.execute(
            select(Application.platform_id, func.count())
            .join(Application.platform)
            .where(
                Platform.path.startswith(path, autoescape=True),
                Application.status.in_(OPEN),
                Application.due_at < now,
            )
            .group_by(Application.platform_id)
        )
        return {platform_id: count for platform_id, count in rows}
