"""Employers and employment relations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.orm import Session

from cardsvc.employers.models import Employer, EmploymentRelation
from cardsvc.kit.bulk import bulk_insert, sync_sequence
from cardsvc.kit.dialect import locks_rows
from cardsvc.kit.pagination import PageRequest, Slice, paginate
from cardsvc.platforms.models import Platform

_EMPLOYERS: Table = Employer.__table__  # type: ignore[assignment]
_RELATIONS: Table = EmploymentRelation.__table__  # type: ignore[assignment]


class EmployerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, employer_id: int) -> Employer | None:
        return self.session.get(Employer, employer_id)

    def by_code(self, code: str) -> Employer | None:
        return self.session.scalars(
            select(Employer).where(Employer.unified_social_credit_code == code)
        ).one_or_none()

    def within(self, path: str, page: PageRequest) -> Slice[Employer]:
        """A page of the employers in the ledgers of the platforms under ``path``, in id
        order (oldest first)."""
        query = (
            select(Employer)
            .join(Employer.platform)
            .where(Platform.path.startswith(path, autoescape=True))
            .order_by(Employer.id)
        )
        return paginate(self.session, query, page)

    def add(self, employer: Employer) -> Employer:
        self.session.add(employer)
        self.session.flush()
        return employer

    def taken(self, codes: Sequence[str]) -> set[str]:
        return set(
            self.session.scalars(
                select(Employer.unified_social_credit_code).where(
                    Employer.unified_social_credit_code.in_(codes)
                )
            )
        )

    def next_id(self) -> int:
        newest = select(Employer.id).order_by(Employer.id.desc()).limit(1)
        return (self.session.scalar(newest) or 0) + 1

    def load(self, rows: Iterable[dict[str, Any]]) -> int:
        """Bulk rows with their ids (seeding); the id sequence is moved past them."""
        count = bulk_insert(self.session, _EMPLOYERS, rows)
        sync_sequence(self.session, _EMPLOYERS)
        return count


class EmploymentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, relation_id: int, *, lock: bool = False) -> EmploymentRelation | None:
        query = select(EmploymentRelation).where(EmploymentRelation.id == relation_id)
        if lock and locks_rows(self.session):
            query = query.with_for_update(of=EmploymentRelation)
        return self.session.scalars(query).one_or_none()

    def of_resident(self, resident_id: int, page: PageRequest) -> Slice[EmploymentRelation]:
        """A page of the resident's employment relations, oldest first."""
        query = (
            select(EmploymentRelation)
            .where(EmploymentRelation.resident_id == resident_id)
            .order_by(EmploymentRelation.started_on, EmploymentRelation.id)
        )
        return paginate(self.session, query, page)

    def with_employer(self, resident_id: int, employer_id: int) -> Sequence[EmploymentRelation]:
        return self.session.scalars(
            select(EmploymentRelation).where(
                EmploymentRelation.resident_id == resident_id,
                EmploymentRelation.employer_id == employer_id,
            )
        ).all()

    def spanning(self, resident_id: int, employer_id: int, started_by: date, until: date) -> bool:
        """Whether one relation with the employer began by ``started_by`` and lasted until
        ``until`` (or still runs)."""
        return (
            self.session.scalar(
                select(EmploymentRelation.id)
                .where(
                    EmploymentRelation.resident_id == resident_id,
                    EmploymentRelation.employer_id == employer_id,
                    EmploymentRelation.started_on <= started_by,
                    or_(
                        EmploymentRelation.ended_on.is_(None), EmploymentRelation.ended_on >= until
                    ),
                )
                .limit(1)
            )
            is not None
        )

    def add(self, relation: EmploymentRelation) -> EmploymentRelation:
        self.session.add(relation)
        self.session.flush()
        return relation

    def next_id(self) -> int:
        newest = select(EmploymentRelation.id).order_by(EmploymentRelation.id.desc()).limit(1)
        return (self.session.scalar(newest) or 0) + 1

    def load(self, rows: Iterable[dict[str, Any]]) -> int:
        count = bulk_insert(self.session, _RELATIONS, rows)
        sync_sequence(self.session, _RELATIONS)
        return count
