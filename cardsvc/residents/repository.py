"""Residents: registered one by one, or a whole import file at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Row, Table, func, insert, literal, select
from sqlalchemy.orm import Session

from cardsvc.kit.types import UtcDateTime
from cardsvc.platforms.models import Platform
from cardsvc.residents.models import Resident
from cardsvc.residents.rules import Sex


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

    def facts(self, *, after_id: int, limit: int) -> Sequence[Row[int, str, Sex, date, int]]:
        """(id, number, sex, birth date, platform) of the next residents by id (seeding)."""
        return self.session.execute(
            select(
                Resident.id,
                Resident.social_security_number,
                Resident.sex,
                Resident.birth_date,
                Resident.platform_id,
            )
            .where(Resident.id > after_id)
            .order_by(Resident.id)
            .limit(limit)
        ).all()

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Resident)) or 0

    def add(self, resident: Resident) -> Resident:
        self.session.add(resident)
        self.session.flush()
        return resident

    def add_staged(self, staging: Table, now: datetime) -> None:
        """Register every resident of an import's checked staging table, in file order.

        ``staging`` has the columns of ``cardsvc.imports``' resident staging table; the
        community code names the platform.
        """
        self.session.execute(
            insert(Resident).from_select(
                [
                    "social_security_number",
                    "name",
                    "sex",
                    "birth_date",
                    "ethnic_group",
                    "household_registration",
                    "current_address",
                    "platform_id",
                    "created_at",
                    "version",
                ],
                select(
                    staging.c.social_security_number,
                    staging.c.name,
                    staging.c.sex,
                    staging.c.birth_date,
                    staging.c.ethnic_group,
                    staging.c.household_registration,
                    staging.c.current_address,
                    Platform.id,
                    literal(now, UtcDateTime()),
                    literal(1),
                )
                .join(Platform, Platform.unified_code == staging.c.community_code)
                .order_by(staging.c.line),
            )
        )

