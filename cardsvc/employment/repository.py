"""The employment tables, and the certificate number sequence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, func, insert, literal, select, update
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
from cardsvc.kit.types import UtcDateTime
from cardsvc.platforms.models import Platform
from cardsvc.residents.models import Resident

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

    def registered_by_platform(self, path: str, day: date) -> dict[tuple[int, str], int]:
        """Per platform under ``path`` (the residents'): open registrations by kind, and
        hardship recognitions valid on ``day`` (kind ``hardship``)."""
        open_rows = self.session.execute(
            select(Resident.platform_id, EmploymentRegistration.kind, func.count())
            .select_from(EmploymentRegistration)
            .join(Resident, Resident.id == EmploymentRegistration.resident_id)
            .join(Platform, Platform.id == Resident.platform_id)
            .where(
                Platform.path.startswith(path, autoescape=True),
                EmploymentRegistration.ended_on.is_(None),
            )
            .group_by(Resident.platform_id, EmploymentRegistration.kind)
        )
        counts = {(platform_id, str(kind)): n for platform_id, kind, n in open_rows}
        hardship_rows = self.session.execute(
            select(Resident.platform_id, func.count(func.distinct(Resident.id)))
            .select_from(HardshipRecognition)
            .join(Resident, Resident.id == HardshipRecognition.resident_id)
            .join(Platform, Platform.id == Resident.platform_id)
            .where(
                Platform.path.startswith(path, autoescape=True),
                HardshipRecognition.valid_until >= day,
            )
            .group_by(Resident.platform_id)
        )
        counts.update({(platform_id, "hardship"): n for platform_id, n in hardship_rows})
        return counts

    def open_registrations(self, resident_ids: set[int]) -> Sequence[EmploymentRegistration]:
        if not resident_ids:
            return []
        return self.session.scalars(
            select(EmploymentRegistration).where(
                EmploymentRegistration.resident_id.in_(resident_ids),
                EmploymentRegistration.ended_on.is_(None),
            )
        ).all()

    def current_hardships(self, resident_ids: set[int], day: date) -> Sequence[HardshipRecognition]:
        if not resident_ids:
            return []
        return self.session.scalars(
            select(HardshipRecognition).where(
                HardshipRecognition.resident_id.in_(resident_ids),
                HardshipRecognition.valid_until >= day,
            )
        ).all()

    def of_resident(self, model: type[Any], resident_id: int) -> Sequence[Any]:
        return self.session.scalars(
            select(model).where(model.resident_id == resident_id).order_by(model.id)
        ).all()

    def add_staged(self, staging: Table, now: datetime) -> None:
        """Record every registration of an import's checked staging table, in file order:
        the resident by number, the platform by its unified code."""
        self.session.execute(
            insert(EmploymentRegistration).from_select(
                [
                    "resident_id",
                    "kind",
                    "certificate_number",
                    "registered_on",
                    "ended_on",
                    "employer_name",
                    "reason",
                    "platform_id",
                    "created_at",
                ],
                select(
                    Resident.id,
                    staging.c.kind,
                    staging.c.certificate_number,
                    staging.c.registered_on,
                    staging.c.ended_on,
                    staging.c.employer_name,
                    staging.c.reason,
                    Platform.id,
                    literal(now, UtcDateTime()),
                )
                .join(Resident, Resident.social_security_number == staging.c.social_security_number)
                .join(Platform, Platform.unified_code == staging.c.community_code)
                .order_by(staging.c.line),
            )
        )

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
