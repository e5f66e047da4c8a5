"""The insurance tables: enrolments and their contribution rows, limits, benefits and
their payments, transfers, certifications."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from cardsvc.insurance.models import (
    Benefit,
    BenefitPayment,
    ContributionLimit,
    ContributionPeriod,
    Enrolment,
    RelationTransfer,
    RetireeCertification,
)
from cardsvc.insurance.rules import (
    OPEN,
    BenefitKind,
    BenefitStatus,
    Category,
    ContributionStatus,
    EnrolmentStatus,
    Scheme,
    Totals,
    totals,
)
from cardsvc.kit.bulk import bulk_insert, sync_sequence
from cardsvc.kit.dialect import locks_rows
from cardsvc.kit.pagination import PageRequest, Slice, paginate
from cardsvc.platforms.models import Platform
from cardsvc.residents.models import Resident

_TABLES_WITH_IDS = (Enrolment, Benefit, RelationTransfer, RetireeCertification)


class EnrolmentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def open_by_platform(self, path: str) -> dict[tuple[int, Scheme], int]:
        """Residents under ``path`` enrolled and paying, per platform and scheme."""
        rows = self.session.execute(
            select(Resident.platform_id, Enrolment.scheme, func.count(func.distinct(Resident.id)))
            .select_from(Enrolment)
            .join(Resident, Resident.id == Enrolment.resident_id)
            .join(Platform, Platform.id == Resident.platform_id)
            .where(
                Platform.path.startswith(path, autoescape=True),
                Enrolment.status == EnrolmentStatus.active,
            )
            .group_by(Resident.platform_id, Enrolment.scheme)
        )
        return {(platform_id, scheme): count for platform_id, scheme, count in rows}

    def get(self, enrolment_id: int, *, lock: bool = False) -> Enrolment | None:
        """An enrolment; ``lock`` holds it until commit (its totals are about to change)."""
        query = select(Enrolment).where(Enrolment.id == enrolment_id)
        if lock and locks_rows(self.session):
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def open_one(self, resident_id: int, scheme: Scheme, *, lock: bool = False) -> Enrolment | None:
        query = select(Enrolment).where(
            Enrolment.resident_id == resident_id,
            Enrolment.scheme == scheme,
            Enrolment.status.in_(OPEN),
        )
        if lock and locks_rows(self.session):
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def of_resident(self, resident_id: int) -> Sequence[Enrolment]:
        """Newest first within each scheme (the summary takes the first of each)."""
        return self.session.scalars(
            select(Enrolment)
            .where(Enrolment.resident_id == resident_id)
            .order_by(Enrolment.scheme, Enrolment.enrolled_on.desc(), Enrolment.id.desc())
        ).all()

    def schemes_of(self, resident_id: int, scheme: Scheme | None) -> dict[int, Scheme]:
        """The resident's enrolments (of ``scheme`` only, if given): id → scheme."""
        query = select(Enrolment.id, Enrolment.scheme).where(Enrolment.resident_id == resident_id)
        if scheme is not None:
            query = query.where(Enrolment.scheme == scheme)
        return {enrolment_id: found for enrolment_id, found in self.session.execute(query)}

    def add(self, enrolment: Enrolment) -> Enrolment:
        self.session.add(enrolment)
        self.session.flush()
        return enrolment

    # ------------------------------------------------------------ contribution rows

    def taken_periods(self, enrolment_id: int, first: int, last: int) -> list[int]:
        return list(
            self.session.scalars(
                select(ContributionPeriod.period)
                .where(
                    ContributionPeriod.enrolment_id == enrolment_id,
                    ContributionPeriod.period.between(first, last),
                )
                .order_by(ContributionPeriod.period)
            )
        )

    def add_periods(self, rows: Sequence[ContributionPeriod]) -> None:
        self.session.add_all(rows)
        self.session.flush()

    def owed(self, enrolment_id: int, first: int, last: int) -> Sequence[ContributionPeriod]:
        return self.session.scalars(
            select(ContributionPeriod)
            .where(
                ContributionPeriod.enrolment_id == enrolment_id,
                ContributionPeriod.period.between(first, last),
                ContributionPeriod.status == ContributionStatus.arrears,
            )
            .order_by(ContributionPeriod.period)
        ).all()

    def history(
        self,
        enrolment_ids: Sequence[int],
        first: int | None,
        last: int | None,
        page: PageRequest,
    ) -> Slice[ContributionPeriod]:
        """A page of the contribution rows of the enrolments, oldest month first (then by
        scheme; the enrolment and the month are the rows' key)."""
        query = (
            select(ContributionPeriod)
            .join(Enrolment, Enrolment.id == ContributionPeriod.enrolment_id)
            .where(ContributionPeriod.enrolment_id.in_(enrolment_ids))
        )
        if first is not None:
            query = query.where(ContributionPeriod.period >= first)
        if last is not None:
            query = query.where(ContributionPeriod.period <= last)
        query = query.order_by(
            ContributionPeriod.period, Enrolment.scheme, ContributionPeriod.enrolment_id
        )
        return paginate(self.session, query, page)

    def recount(self, enrolment_id: int) -> Totals:
        """The totals as the enrolment's rows say (to check the kept ones)."""
        due = ContributionPeriod.employer_amount_fen + ContributionPeriod.personal_amount_fen
        rows = self.session.execute(
            select(ContributionPeriod.status, func.sum(ContributionPeriod.months), func.sum(due))
            .where(ContributionPeriod.enrolment_id == enrolment_id)
            .group_by(ContributionPeriod.status)
        ).all()
        return totals((status, int(months), int(amount)) for status, months, amount in rows)

    # ------------------------------------------------------------ bulk (seeding)

    def next_ids(self) -> dict[str, int]:
        """The next free id of each table whose rows a bulk load numbers itself."""
        return {
            model.__tablename__: (self.session.scalar(select(func.max(model.id))) or 0) + 1
            for model in _TABLES_WITH_IDS
        }

    def load(
        self,
        table: str,
        rows: Iterable[Mapping[str, Any]] | Iterable[Sequence[Any]],
        columns: Sequence[str] | None = None,
    ) -> int:
        """Bulk rows (with their ids) into one of the insurance tables (COPY on PostgreSQL);
        with ``columns``, each row is a tuple in their order."""
        return bulk_insert(self.session, _LOADABLE[table], rows, columns=columns)  # type: ignore[arg-type]

    def finish_load(self) -> None:
        for model in _TABLES_WITH_IDS:
            sync_sequence(self.session, model.__table__)  # type: ignore[arg-type]


_LOADABLE: dict[str, Table] = {
    model.__tablename__: model.__table__  # type: ignore[misc]
    for model in (*_TABLES_WITH_IDS, ContributionPeriod, BenefitPayment)
}


class LimitRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find(
        self, regions: Sequence[str], year: int, scheme: Scheme, category: Category
    ) -> Sequence[ContributionLimit]:
        return self.session.scalars(
            select(ContributionLimit).where(
                ContributionLimit.region_code.in_(regions),
                ContributionLimit.year == year,
                ContributionLimit.scheme == scheme,
                ContributionLimit.category == category,
            )
        ).all()

    def get(
        self, region: str, year: int, scheme: Scheme, category: Category
    ) -> ContributionLimit | None:
        return self.session.scalars(
            select(ContributionLimit).where(
                ContributionLimit.region_code == region,
                ContributionLimit.year == year,
                ContributionLimit.scheme == scheme,
                ContributionLimit.category == category,
            )
        ).one_or_none()

    def visible(
        self, prefix: str, above: Sequence[str], year: int | None, page: PageRequest
    ) -> Slice[ContributionLimit]:
        """A page of the limits of regions starting with ``prefix`` or among ``above``,
        newest year first (then region, category and scheme: the limits' unique key)."""
        query = select(ContributionLimit).where(
            ContributionLimit.region_code.startswith(prefix, autoescape=True)
            | ContributionLimit.region_code.in_(above)
        )
        if year is not None:
            query = query.where(ContributionLimit.year == year)
        query = query.order_by(
            ContributionLimit.year.desc(),
            ContributionLimit.region_code,
            ContributionLimit.category,
            ContributionLimit.scheme,
        )
        return paginate(self.session, query, page)

    def every(self) -> Sequence[ContributionLimit]:
        """All the limits of every region (a bulk load resolves its bounds from them)."""
        return self.session.scalars(select(ContributionLimit)).all()

    def all_keys(self) -> set[tuple[str, int, Scheme, Category]]:
        rows = self.session.execute(
            select(
                ContributionLimit.region_code,
                ContributionLimit.year,
                ContributionLimit.scheme,
                ContributionLimit.category,
            )
        ).all()
        return {(region, year, scheme, category) for region, year, scheme, category in rows}

    def add(self, limit: ContributionLimit) -> ContributionLimit:
        self.session.add(limit)
        self.session.flush()
        return limit

    def add_many(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(ContributionLimit), list(rows))


class BenefitRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, benefit_id: int) -> Benefit | None:
        return self.session.get(Benefit, benefit_id)

    def of_resident(self, resident_id: int) -> Sequence[Benefit]:
        return self.session.scalars(
            select(Benefit)
            .where(Benefit.resident_id == resident_id)
            .order_by(Benefit.first_period.desc(), Benefit.id.desc())
        ).all()

    def being_paid(self, resident_id: int) -> Sequence[Benefit]:
        return self.session.scalars(
            select(Benefit)
            .where(Benefit.resident_id == resident_id, Benefit.status == BenefitStatus.being_paid)
            .order_by(Benefit.first_period, Benefit.id)
        ).all()

    def paid_kind(self, resident_id: int, kinds: Iterable[BenefitKind]) -> Benefit | None:
        return self.session.scalars(
            select(Benefit)
            .where(
                Benefit.resident_id == resident_id,
                Benefit.kind.in_(list(kinds)),
                Benefit.status == BenefitStatus.being_paid,
            )
            .limit(1)
        ).one_or_none()

    def due(self, period: int, *, limit: int) -> Sequence[Benefit]:
        """Benefits being paid that owe ``period`` and have not paid it, locked (a payment
        run on several instances pays each once: the others skip them)."""
        query = (
            select(Benefit)
            .where(
                Benefit.status == BenefitStatus.being_paid,
                Benefit.first_period <= period,
                or_(
                    Benefit.last_paid_period.is_(None),
                    and_(
                        Benefit.last_paid_period < period,
                        or_(
                            Benefit.last_period.is_(None),
                            Benefit.last_paid_period < Benefit.last_period,
                        ),
                    ),
                ),
            )
            .order_by(Benefit.id)
            .limit(limit)
        )
        if locks_rows(self.session):
            query = query.with_for_update(skip_locked=True)
        return self.session.scalars(query).all()

    def add(self, benefit: Benefit) -> Benefit:
        self.session.add(benefit)
        self.session.flush()
        return benefit

    def add_payment(self, payment: BenefitPayment) -> None:
        self.session.add(payment)

    def end_past(self, period: int) -> int:
        """Benefits paid to their last month, which is before ``period``, end; how many."""
        result = self.session.execute(
            update(Benefit)
            .where(
                Benefit.status == BenefitStatus.being_paid,
                Benefit.last_period.is_not(None),
                Benefit.last_period < period,
                Benefit.last_paid_period >= Benefit.last_period,
            )
            .values(status=BenefitStatus.ended, version=Benefit.version + 1)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


class TransferRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, transfer_id: int, *, lock: bool = False) -> RelationTransfer | None:
        query = select(RelationTransfer).where(RelationTransfer.id == transfer_id)
        if lock and locks_rows(self.session):
            query = query.with_for_update()
        return self.session.scalars(query).one_or_none()

    def of_resident(self, resident_id: int) -> Sequence[RelationTransfer]:
        return self.session.scalars(
            select(RelationTransfer)
            .where(RelationTransfer.resident_id == resident_id)
            .order_by(RelationTransfer.started_on, RelationTransfer.id)
        ).all()

    def add(self, transfer: RelationTransfer) -> RelationTransfer:
        self.session.add(transfer)
        self.session.flush()
        return transfer


class CertificationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def of_resident(self, resident_id: int) -> Sequence[RetireeCertification]:
        return self.session.scalars(
            select(RetireeCertification)
            .where(RetireeCertification.resident_id == resident_id)
            .order_by(RetireeCertification.year)
        ).all()

    def for_year(self, resident_id: int, year: int) -> RetireeCertification | None:
        return self.session.scalars(
            select(RetireeCertification).where(
                RetireeCertification.resident_id == resident_id,
                RetireeCertification.year == year,
            )
        ).one_or_none()

    def add(self, certification: RetireeCertification) -> RetireeCertification:
        self.session.add(certification)
        self.session.flush()
        return certification
