"""Residents: registered one by one, or a whole import file at once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Table, func, insert, literal, or_, select
from sqlalchemy.orm import Session

from cardsvc.kit.pagination import PageRequest, Slice, paginate
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

    def names(self, resident_ids: set[int]) -> dict[int, str]:
        if not resident_ids:
            return {}
        rows = self.session.execute(
            select(Resident.id, Resident.name).where(Resident.id.in_(resident_ids))
        )
        return {row.id: row.name for row in rows}

    def within(
        self,
        path: str,
        page: PageRequest,
        *,
        resident_id: int | None = None,
        social_security_number: str | None = None,
        name: str | None = None,
        sex: Sex | None = None,
        born_in: int | None = None,
    ) -> Slice[Resident]:
        """A page of the residents of the platforms under ``path`` that match every
        criterion given, in id order (``born_in``: the year of birth)."""
        query = (
            select(Resident)
            .join(Resident.platform)
            .where(Platform.path.startswith(path, autoescape=True))
            .order_by(Resident.id)
        )
        if resident_id is not None:
            query = query.where(Resident.id == resident_id)
        if social_security_number is not None:
            query = query.where(Resident.social_security_number == social_security_number)
        if name is not None:  # ix_residents_name_platform_id
            query = query.where(Resident.name == name)
        if sex is not None:
            query = query.where(Resident.sex == sex)
        if born_in is not None:  # a range, so that an index on the date could serve it
            query = query.where(
                Resident.birth_date >= date(born_in, 1, 1),
                Resident.birth_date < date(born_in + 1, 1, 1),
            )
        return paginate(self.session, query, page)

    def born_between(
        self, path: str, page: PageRequest, bounds: dict[Sex, tuple[date, date]]
    ) -> Slice[Resident]:
        """A page of the residents under ``path`` born within their sex's (earliest,
        latest) bounds, inclusive, in id order."""
        query = (
            select(Resident)
            .join(Resident.platform)
            .where(
                Platform.path.startswith(path, autoescape=True),
                or_(
                    *(
                        (Resident.sex == sex) & Resident.birth_date.between(earliest, latest)
                        for sex, (earliest, latest) in bounds.items()
                    )
                ),
            )
            .order_by(Resident.id)
        )
        return paginate(self.session, query, page)

    def counts_by_platform(self, path: str) -> dict[int, int]:
        rows = self.session.execute(
            select(Resident.platform_id, func.count())
            .join(Resident.platform)
            .where(Platform.path.startswith(path, autoescape=True))
            .group_by(Resident.platform_id)
        )
        return {platform_id: count for platform_id, count in rows}

    def stored_rows(self, path: str) -> Iterator[Any]:
        """Each resident's checked fields within ``path``, streamed in batches."""
        yield from self.session.execute(
            select(
                Resident.platform_id,
                Resident.social_security_number,
                Resident.name,
                Resident.sex,
                Resident.birth_date,
                Resident.ethnic_group,
            )
            .join(Resident.platform)
            .where(Platform.path.startswith(path, autoescape=True))
            .execution_options(yield_per=5000)
        )

    def duplicate_people(self, path: str) -> dict[int, int]:
        """Per platform, residents sharing name, sex and birth date with another resident of
        ``path`` under a different number: probably one person registered twice."""
        twins = (
            select(Resident.name, Resident.sex, Resident.birth_date)
            .join(Resident.platform)
            .where(Platform.path.startswith(path, autoescape=True))
            .group_by(Resident.name, Resident.sex, Resident.birth_date)
            .having(func.count() > 1)
            .subquery()
        )
        rows = self.session.execute(
            select(Resident.platform_id, func.count())
            .join(
                twins,
                (twins.c.name == Resident.name)
                & (twins.c.sex == Resident.sex)
                & (twins.c.birth_date == Resident.birth_date),
            )
            .join(Resident.platform)
            .where(Platform.path.startswith(path, autoescape=True))
            .group_by(Resident.platform_id)
        )
        return {platform_id: count for platform_id, count in rows}

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
