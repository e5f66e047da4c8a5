from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cardsvc.platforms.models import Platform
from cardsvc.residents.models import Resident


class ResidentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, resident_id: int) -> Resident | None:
        return self.session.get(Resident, resident_id)

    def by_ssn(self, number: str) -> Resident | None:
        return self.session.scalars(
            select(Resident).where(Resident.social_security_number == number)
        ).one_or_none()

    def within(self, path: str, *, limit: int, offset: int) -> Sequence[Resident]:
        return self.session.scalars(
            select(Resident)
            .join(Resident.platform)
            .where(Platform.path.startswith(path, autoescape=True))
            .order_by(Resident.id)
            .limit(limit)
            .offset(offset)
        ).all()

    def add(self, resident: Resident) -> Resident:
        self.session.add(resident)
        self.session.flush()
        return resident
