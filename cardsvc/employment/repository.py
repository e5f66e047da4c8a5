"""The employment tables, and the certificate number sequence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from cardsvc.employment.models import (
    CertificateSequence,
    EmploymentRegistration,
    EntrepreneurshipService,
    GuaranteedLoan,
    HardshipRecognition,
    SkillRecord,
)

Record = (
    EmploymentRegistration
    | HardshipRecognition
    | GuaranteedLoan
    | SkillRecord
    | EntrepreneurshipService
)


class EmploymentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: Record) -> None:
        self.session.add(record)
        self.session.flush()

    def open_registration(self, resident_id: int) -> EmploymentRegistration | None:
        return self.session.scalars(
            select(EmploymentRegistration)
            .where(
                EmploymentRegistration.resident_id == resident_id,
                EmploymentRegistration.ended_on.is_(None),
            )
            .order_by(EmploymentRegistration.id.desc())
            .limit(1)
        ).one_or_none()

    def current_hardship(self, resident_id: int, day: date) -> HardshipRecognition | None:
        return self.session.scalars(
            select(HardshipRecognition)
            .where(
                HardshipRecognition.resident_id == resident_id,
                HardshipRecognition.valid_until >= day,
            )
            .order_by(HardshipRecognition.id.desc())
            .limit(1)
        ).one_or_none()

    def of_resident(self, model: type[Any], resident_id: int) -> Sequence[Any]:
        return self.session.scalars(
            select(model).where(model.resident_id == resident_id).order_by(model.id)
        ).all()

    def certificate_taken(self, number: str) -> bool:
        return (
            self.session.scalar(
                select(SkillRecord.id).where(SkillRecord.certificate_number == number)
            )
            is not None
        )

    def next_certificate_sequence(self, region_code: str, year: int) -> int:
        """The next 就业创业证 sequence of the county and year: one row per county and year,
        raised in the database (concurrent instances wait on its row lock)."""
        dialect = self.session.get_bind().dialect.name
        make_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self.session.execute(
            make_insert(CertificateSequence)
            .values(region_code=region_code, year=year, last=0)
            .on_conflict_do_nothing()
        )
        return int(
            self.session.execute(
                update(CertificateSequence)
                .where(
                    CertificateSequence.region_code == region_code,
                    CertificateSequence.year == year,
                )
                .values(last=CertificateSequence.last + 1)
                .returning(CertificateSequence.last)
            ).scalar_one()
        )
