"""Labour cases and their progress."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, lazyload

from cardsvc.labour.models import CaseProgress, LabourCase
from cardsvc.labour.rules import CaseStatus
from cardsvc.platforms.models import Platform


class LabourRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, obj: LabourCase | CaseProgress) -> None:
        self.session.add(obj)
        self.session.flush()

    def get(self, case_id: int) -> LabourCase | None:
        return self.session.get(LabourCase, case_id)

    def within(
        self,
        path: str,
        *,
        status: CaseStatus | None,
        overdue_at: datetime | None,
    ) -> Select[Any]:
        query = (
            select(LabourCase)
            .join(LabourCase.platform)
            .where(Platform.path.startswith(path, autoescape=True))
            .options(lazyload(LabourCase.progress))  # a list row shows no progress
        )
        if status is not None:
            query = query.where(LabourCase.status == status)
        if overdue_at is not None:
            query = query.where(
                LabourCase.status != CaseStatus.closed, LabourCase.due_at < overdue_at
            )
        return query.order_by(LabourCase.due_at, LabourCase.id)

    def open_of_resident(self, resident_id: int) -> Sequence[LabourCase]:
        return self.session.scalars(
            select(LabourCase)
            .where(LabourCase.resident_id == resident_id, LabourCase.status != CaseStatus.closed)
            .options(lazyload(LabourCase.progress))
            .order_by(LabourCase.id)
        ).all()

    def of_resident(self, resident_id: int) -> Sequence[LabourCase]:
        return self.session.scalars(
            select(LabourCase).where(LabourCase.resident_id == resident_id).order_by(LabourCase.id)
        ).all()
