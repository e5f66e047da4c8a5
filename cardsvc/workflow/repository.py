"""Applications, their steps and the items' local time limits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

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
        limit: int,
        offset: int,
    ) -> Sequence[Application]:
        """Applications taken within ``path``, the most pressing (earliest due) first."""
        query = (
            select(Application)
            .join(Application.platform)
            .where(Platform.path.startswith(path, autoescape=True))
        )
        if status is not None:
            query = query.where(Application.status == status)
        if item_code is not None:
            query = query.where(Application.item_code == item_code)
        if overdue_at is not None:
            query = query.where(Application.status.in_(OPEN), Application.due_at < overdue_at)
        return self.session.scalars(
            query.order_by(Application.due_at, Application.id).limit(limit).offset(offset)
        ).all()

    def of_resident(self, resident_id: int, *, open_only: bool) -> Sequence[Application]:
        query = select(Application).where(Application.resident_id == resident_id)
        if open_only:
            query = query.where(Application.status.in_(OPEN))
        return self.session.scalars(query.order_by(Application.id)).all()
