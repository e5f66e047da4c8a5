"""Seeded insurance histories: the same seed gives the same rows, the rows are what the
services would have written (totals, bounds), and a population gets realistic lives."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, func, select
from sqlalchemy.orm import Session

from cardsvc.employers.models import Employer, EmploymentRelation
from cardsvc.employers.rules import parse_uscc
from cardsvc.insurance import service
from cardsvc.insurance.histories import HistoriesError, HistoryCounts, load_histories
from cardsvc.insurance.limits import bounds_for
from cardsvc.insurance.lives import PoolEmployer, plan_life, synthetic_bounds
from cardsvc.insurance.models import (
    Benefit,
    BenefitPayment,
    ContributionPeriod,
    Enrolment,
    RelationTransfer,
    RetireeCertification,
)
from cardsvc.insurance.rules import (
    BenefitKind,
    BenefitStatus,
    Category,
    ContributionStatus,
    EnrolmentStatus,
    Scheme,
    Totals,
    retirement_period,
    totals,
)
from cardsvc.platforms.service import CommunityFacts
from cardsvc.residents.rules import Sex
from cardsvc.residents.service import ResidentFacts
from tests.cardsvc.cli_kit import invoke
from tests.cardsvc.conftest import World, make_ssn, session_on
from tests.cardsvc.insurance_office import Office

AS_OF = date(2026, 7, 1)
COMMUNITIES = ("community_a1", "community_a2", "community_b1")


def _people(count: int) -> list[ResidentFacts]:
    return [
        ResidentFacts(
            id=n,
            social_security_number=make_ssn(date(1945 + n % 70, 1 + n % 12, 1 + n % 28), 100 + n),
            sex=Sex.male if n % 2 else Sex.female,
            birth_date=date(1945 + n % 70, 1 + n % 12, 1 + n % 28),
            platform_id=1,
        )
        for n in range(1, count + 1)
    ]


def _plan(people: list[ResidentFacts], seed: int) -> list[object]:
    community = CommunityFacts(1, 10, "玄武门", "320102", 7)
    pool = {10: [PoolEmployer(n, "320102", 5_000) for n in range(1, 6)]}

    def bounds(region: str, year: int, scheme: Scheme, category: Category):  # type: ignore[no-untyped-def]
        return synthetic_bounds(year, scheme, category)

    return [
        plan_life(person, community, pool, bounds, seed=seed, share=1.0, as_of=AS_OF)
        for person in people
    ]


def test_a_life_depends_only_on_the_seed_and_the_person() -> None:
    people = _people(40)
    assert _plan(people, 7) == _plan(people, 7)
    # The same person planned alone, or among others in another order: the same life.
    assert _plan(people[::-1], 7)[::-1] == _plan(people, 7)
    assert _plan(people, 8) != _plan(people, 7)


@pytest.fixture
def population(session: Session, world: World) -> list[int]:
    """90 residents born 1940 to 2019 across the three communities."""
    office = Office(session, world)
    ids = []
    for n in range(90):
        birth = date(1940 + (n * 7) % 80, 1 + n % 12, 1 + (n * 3) % 28)
        sex = Sex.male if n % 3 else Sex.female
        ids.append(office.resident(COMMUNITIES[n % 3], birth, sex).id)
    session.commit()
    return ids


def _digest(session: Session) -> tuple[object, ...]:
    def rows(*columns: object) -> list[tuple[object, ...]]:
        return [tuple(row) for row in session.execute(select(*columns).order_by(*columns)).all()]  # type: ignore[arg-type]

    return (
        rows(Employer.id, Employer.unified_social_credit_code, Employer.platform_id),
        rows(
            EmploymentRelation.resident_id,
            EmploymentRelation.employer_id,
            EmploymentRelation.started_on,
        ),
        rows(
            Enrolment.id,
            Enrolment.resident_id,
            Enrolment.scheme,
            Enrolment.status,
            Enrolment.months_paid,
        ),
        rows(
            ContributionPeriod.enrolment_id,
            ContributionPeriod.period,
            ContributionPeriod.base_fen,
            ContributionPeriod.employer_amount_fen,
            ContributionPeriod.status,
        ),
        rows(BenefitPayment.benefit_id, BenefitPayment.period, BenefitPayment.amount_fen),
        rows(
            RetireeCertification.resident_id, RetireeCertification.year, RetireeCertification.method
        ),
    )


def test_the_same_seed_loads_the_same_rows_whatever_the_batch(
    connection: Connection, population: list[int]
) -> None:
    def load(batch: int) -> tuple[object, ...]:
        savepoint = connection.begin_nested()
        session = session_on(connection)
        load_histories(session, seed=3, as_of=AS_OF, batch=batch)
        session.flush()
        digest = _digest(session)
        session.close()
        savepoint.rollback()
        return digest

    once = load(1000)
    assert once[3]  # contribution rows were made
    assert load(7) == once


def test_loaded_rows_are_what_the_services_would_keep(
    session: Session, population: list[int]
) -> None:
    seen: list[tuple[int, int]] = []
    counts = load_histories(
        session, seed=2013, as_of=AS_OF, batch=25, on_progress=lambda d, t: seen.append((d, t))
    )
    session.flush()
    assert seen == [(25, 90), (50, 90), (75, 90), (90, 90)]

    def count(model: type) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    assert counts == HistoryCounts(
        residents=90,
        employers=count(Employer),
        employment_relations=count(EmploymentRelation),
        enrolments=count(Enrolment),
        contributions=count(ContributionPeriod),
        benefits=count(Benefit),
        payments=count(BenefitPayment),
        transfers=count(RelationTransfer),
        certifications=count(RetireeCertification),
    )
    # The totals each enrolment keeps are its rows' (one grouped read, the same rule).
    due = ContributionPeriod.employer_amount_fen + ContributionPeriod.personal_amount_fen
    grouped: dict[int, list[tuple[ContributionStatus, int, int]]] = {}
    for enrolment_id, status, months, amount in session.execute(
        select(
            ContributionPeriod.enrolment_id,
            ContributionPeriod.status,
            func.sum(ContributionPeriod.months),
            func.sum(due),
        ).group_by(ContributionPeriod.enrolment_id, ContributionPeriod.status)
    ):
        grouped.setdefault(enrolment_id, []).append((status, int(months), int(amount)))
    for enrolment in session.scalars(select(Enrolment)):
        kept = Totals(enrolment.months_paid, enrolment.months_in_arrears, enrolment.arrears_fen)
        assert totals(grouped.get(enrolment.id, [])) == kept
    # Every employee's base lies within the bounds the services enforce for its year.
    year = ContributionPeriod.period / 100
    ranges = session.execute(
        select(
            Enrolment.region_code,
            Enrolment.scheme,
            year,
            func.min(ContributionPeriod.base_fen),
            func.max(ContributionPeriod.base_fen),
        )
        .join(Enrolment, Enrolment.id == ContributionPeriod.enrolment_id)
        .where(Enrolment.category == Category.employee)
        .group_by(Enrolment.region_code, Enrolment.scheme, year)
    ).all()
    assert len(ranges) > 100
    for region, scheme, in_year, lowest, highest in ranges:
        bounds = bounds_for(session, region, int(in_year), scheme, Category.employee)
        assert bounds.floor_fen <= lowest <= highest <= bounds.cap_fen
    for code in session.scalars(select(Employer.unified_social_credit_code)):
        assert parse_uscc(code) == code
    with pytest.raises(HistoriesError):
        load_histories(session, seed=2013, as_of=AS_OF)


def test_a_population_gets_realistic_lives(session: Session, population: list[int]) -> None:
    load_histories(session, seed=2013, as_of=AS_OF)
    session.flush()
    per_resident = Counter(
        session.scalars(
            select(Enrolment.resident_id).join(
                ContributionPeriod, ContributionPeriod.enrolment_id == Enrolment.id
            )
        )
    )
    # Twenty years and more of the five schemes, month by month.
    assert max(per_resident.values()) >= 20 * 12 * 5
    statuses = {row for row in session.execute(select(Enrolment.category, Enrolment.status)).all()}
    assert {
        (Category.employee, EnrolmentStatus.active),
        (Category.employee, EnrolmentStatus.suspended),
        (Category.employee, EnrolmentStatus.terminated),
        (Category.resident, EnrolmentStatus.active),
    } <= statuses
    owed = session.scalar(
        select(func.count())
        .select_from(ContributionPeriod)
        .where(ContributionPeriod.status == ContributionStatus.arrears)
    )
    assert owed
    employers_per_resident = Counter(session.scalars(select(EmploymentRelation.resident_id)))
    assert max(employers_per_resident.values()) >= 3  # employer changes
    pensions = session.scalars(
        select(Benefit).where(Benefit.kind == BenefitKind.basic_pension)
    ).all()
    assert pensions
    for pension in pensions:
        enrolment = session.get(Enrolment, pension.enrolment_id)
        assert enrolment is not None
        assert enrolment.months_counted >= 180
        payments = session.scalar(
            select(func.count()).where(BenefitPayment.benefit_id == pension.id)
        )
        assert payments == pension.months_paid
    retiree = pensions[0]
    certified = session.scalars(
        select(RetireeCertification.year).where(
            RetireeCertification.resident_id == retiree.resident_id
        )
    ).all()
    assert certified
    assert min(certified) > retiree.first_period // 100
    # A retiree's summary: the pension scheme first, the pension among the benefits paid
    # unless suspended (not certified last year).
    paid = next(p for p in pensions if p.status is BenefitStatus.being_paid)
    summary = service.summary(session, paid.resident_id)
    assert summary.schemes[0].scheme is Scheme.pension
    assert BenefitKind.basic_pension in [benefit.kind for benefit in summary.benefits]


def test_retirees_draw_from_the_month_after_their_statutory_age(
    session: Session, population: list[int]
) -> None:
    load_histories(session, seed=11, as_of=AS_OF)
    session.flush()
    from cardsvc.residents.models import Resident

    for pension in session.scalars(
        select(Benefit).where(Benefit.kind == BenefitKind.basic_pension)
    ):
        resident = session.get(Resident, pension.resident_id)
        assert resident is not None
        earliest_male = retirement_period(Sex.male, resident.birth_date, None)
        if resident.sex is Sex.male:
            assert pension.first_period > earliest_male


def test_seed_gives_histories_unless_told_not_to(tmp_path: Path) -> None:
    counts = {}
    for flag in ("--histories", "--no-histories"):
        url = f"sqlite:///{tmp_path}/{flag.strip('-')}.db"
        result = invoke(url, "seed", "--residents", "40", flag)
        assert result.exit_code == 0, result.output
        engine = create_engine(url)
        with engine.connect() as connection:
            counts[flag] = connection.scalar(select(func.count()).select_from(ContributionPeriod))
        engine.dispose()
        said = "insurance histories:" in result.stdout
        assert said is (flag == "--histories")
    assert counts["--histories"] > 0
    assert counts["--no-histories"] == 0
