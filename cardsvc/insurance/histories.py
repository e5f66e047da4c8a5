"""Realistic insurance histories for seeding: employers, careers and contributions since
1996, arrears, pensions with their payments and yearly certifications.

``load_histories`` reads the residents already registered and, for a share of them
chosen from the seed, writes a life: an employee's spells with employers (gaps between
them, employer changes, months owed at the end of some spells, a transfer in from
another province now and then) and the monthly rows of every scheme; an urban-rural
resident's yearly contributions at a grade; children's resident medical insurance;
retirees' pensions paid month by month since retirement (the 2025 statutory ages),
yearly raises, and their certifications; a recent unemployment benefit. Each person's
life depends only on the seed and their social security number, so the same seed and
residents give the same rows whatever the batch size; ids are numbered in resident order.

Rows go through ``cardsvc.kit.bulk`` (COPY on PostgreSQL). Bounds (floors and caps,
residents' grades) missing at the provinces' level are written first, synthetic but
shaped like the real ones (60% and 300% of an average wage growing about 10% a year),
so every generated base lies within the bounds the services enforce.

Load into a database nobody else writes to (seeding): ids are taken from the largest in
use, and the whole load is one unit of work (the caller's).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from cardsvc.employers import service as employers
from cardsvc.employers.rules import uscc_check_character
from cardsvc.insurance.repository import EnrolmentRepository, LimitRepository
from cardsvc.insurance.rules import (
    BenefitKind,
    BenefitStatus,
    Category,
    CertificationMethod,
    ContributionBounds,
    ContributionStatus,
    EnrolmentStatus,
    FemaleTrack,
    Scheme,
    TransferDirection,
    TransferStatus,
    contribution_amount,
    first_day,
    last_day,
    month_index,
    pension_min_months,
    period_at,
    period_of,
    region_chain,
    resident_pension_min_months,
    retirement_period,
    totals,
    unemployment_benefit_months,
)
from cardsvc.platforms.service import CommunityFacts, community_facts
from cardsvc.residents.rules import Sex
from cardsvc.residents.service import ResidentFacts, resident_count, resident_facts

Progress = Callable[[int, int], None]

FIRST_YEAR = 1996  # personal accounts: months before count as deemed service
# When each scheme's monthly contributions begin in the histories.
_SCHEME_BEGINS = {
    Scheme.pension: 199601,
    Scheme.unemployment: 199601,
    Scheme.maternity: 199601,
    Scheme.medical: 200001,
    Scheme.work_injury: 200401,
}
_RESIDENT_MEDICAL_BEGINS = 2008
_RESIDENT_PENSION_BEGINS = 2011
_RESIDENT_GRADES_FEN = (10_000, 20_000, 30_000, 50_000, 80_000, 100_000, 150_000, 200_000)
_OTHER_PROVINCES = ("110105", "310104", "330106", "340102", "370102", "420106", "440106")
_EMPLOYERS_PER_STREET = 5
_RESIDENTS_PER_EMPLOYER = 40
_TRADE_NAMES = "华信恒达宏远金鼎瑞丰博远天成嘉禾永盛新元鼎力汇通"
_INDUSTRIES = ("科技", "商贸", "建设", "物流", "食品", "机械", "服务", "电子")
_WORK_INJURY_RATES = (2_000, 4_000, 5_000, 7_000, 9_000, 11_000, 13_000, 19_000)


class HistoriesError(RuntimeError):
    pass


@dataclass(frozen=True)
class HistoryCounts:
    residents: int = 0  # residents given a history
    employers: int = 0
    employment_relations: int = 0
    enrolments: int = 0
    contributions: int = 0
    benefits: int = 0
    payments: int = 0
    transfers: int = 0
    certifications: int = 0


# ---------------------------------------------------------------- money over the years


def average_wage_fen(year: int) -> int:
    """A synthetic provincial average monthly wage: 500 yuan in 1996, about 10.5% a year."""
    return int(round(50_000 * 1.105 ** (year - FIRST_YEAR), -2))


def synthetic_bounds(year: int, scheme: Scheme, category: Category) -> ContributionBounds:
    """The bounds written where none are set: employees 60%–300% of the average wage;
    residents' pension grades; residents' medical contribution, one amount a year."""
    if category is Category.employee:
        wage = average_wage_fen(year)
        return ContributionBounds(int(round(wage * 0.6, -2)), wage * 3)
    if scheme is Scheme.pension:
        return ContributionBounds(
            _RESIDENT_GRADES_FEN[0], _RESIDENT_GRADES_FEN[-1], _RESIDENT_GRADES_FEN
        )
    amount = _resident_medical_fen(year)
    return ContributionBounds(amount, amount, (amount,))


def _resident_medical_fen(year: int) -> int:
    return int(round(4_000 * 1.15 ** max(0, year - _RESIDENT_MEDICAL_BEGINS), -2))


def _rates(scheme: Scheme, period: int, injury_rate: int) -> tuple[int, int]:
    """(employer, personal) rates in millionths for a month, as they moved over the years."""
    if scheme is Scheme.pension:
        return (200_000 if period < 201905 else 160_000), (70_000 if period < 200601 else 80_000)
    if scheme is Scheme.medical:
        return 80_000, 20_000
    if scheme is Scheme.unemployment:
        if period < 201503:
            return 20_000, 10_000
        return (15_000, 5_000) if period < 201605 else (5_000, 5_000)
    if scheme is Scheme.work_injury:
        return injury_rate, 0
    return (8_000 if period < 202001 else 5_000), 0


def _pension_raise(year: int) -> float:
    if year < 2016:
        return 0.10
    if year < 2019:
        return 0.06
    if year < 2023:
        return 0.05
    return {2023: 0.038, 2024: 0.03}.get(year, 0.02)


def _minimum_wage_fen(year: int) -> int:
    return int(round(69_000 * 1.065 ** (year - 2005), -2))


# ---------------------------------------------------------------- employers


@dataclass(frozen=True)
class PoolEmployer:
    id: int
    region_code: str
    injury_rate: int


def credit_code(region_code: str, number: int) -> str:
    """A valid unified social credit code of an enterprise (registration authority 9,
    category 1) whose organisation code is ``number`` with its GB 11714 check digit."""
    organisation = f"{number % 10**8:08d}"
    weighted = sum(int(d) * w for d, w in zip(organisation, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - weighted % 11
    check_digit = "X" if check == 10 else "0" if check == 11 else str(check)
    first17 = f"91{region_code}{organisation}{check_digit}"
    return first17 + uscc_check_character(first17)


def _employer_pool(
    session: Session,
    streets: dict[int, CommunityFacts],
    per_street: int,
    seed: int,
    now: datetime,
) -> tuple[dict[int, list[PoolEmployer]], list[dict[str, Any]]]:
    """Employers for each street centre (its ledger), numbered from the next free id."""
    rng = random.Random(f"employers:{seed}")  # noqa: S311 - synthetic, reproducible
    next_id, _ = employers.next_ids(session)
    pool: dict[int, list[PoolEmployer]] = {}
    rows: list[dict[str, Any]] = []
    number = rng.randrange(10**7, 9 * 10**7)
    for street_id, facts in sorted(streets.items()):
        wanted = []
        for _ in range(per_street):
            number += rng.randrange(1, 50)
            wanted.append(credit_code(facts.region_code, number))
        taken = employers.taken_codes(session, wanted)
        for code in wanted:
            if code in taken:
                continue
            name = (
                f"{facts.street_name}{rng.choice(_TRADE_NAMES)}{rng.choice(_TRADE_NAMES)}"
                f"{rng.choice(_INDUSTRIES)}有限公司"
            )
            employer = PoolEmployer(next_id, facts.region_code, rng.choice(_WORK_INJURY_RATES))
            pool.setdefault(street_id, []).append(employer)
            rows.append(
                {
                    "id": next_id,
                    "unified_social_credit_code": code,
                    "name": name,
                    "region_code": facts.region_code,
                    "platform_id": street_id,
                    "created_at": now,
                    "version": 1,
                }
            )
            next_id += 1
    return pool, rows


# ---------------------------------------------------------------- one life


@dataclass
class Spell:
    employer: PoolEmployer
    first: int  # periods, both included
    last: int
    owed_from: int | None  # months from here to ``last`` are owed (欠缴)
    open: bool  # the employment still runs


# A contribution row as the histories hold it until it is written: period, months,
# employer (employees), base (employees), employer rate, personal rate, employer amount,
# personal amount, paid (else owed).
Row = tuple[int, int, int | None, int | None, int, int, int, int, bool]


@dataclass
class PlannedEnrolment:
    scheme: Scheme
    category: Category
    employer_id: int | None
    region_code: str
    status: EnrolmentStatus
    enrolled_on: date
    status_changed_on: date
    months_deemed: int = 0
    months_carried_in: int = 0
    rows: list[Row] = field(default_factory=list)


@dataclass
class PlannedBenefit:
    enrolment: int  # index into the life's enrolments
    kind: BenefitKind
    status: BenefitStatus
    first_period: int
    last_period: int | None
    payments: list[tuple[int, int]]  # (period, amount)
    started_on: date


@dataclass
class Life:
    spells: list[Spell] = field(default_factory=list)
    enrolments: list[PlannedEnrolment] = field(default_factory=list)
    benefits: list[PlannedBenefit] = field(default_factory=list)
    # (enrolment index, direction, from, to, months, status, date)
    transfers: list[tuple[int, TransferDirection, str, str, int, TransferStatus, date]] = field(
        default_factory=list
    )
    certifications: list[tuple[int, date, CertificationMethod]] = field(default_factory=list)


BoundsLookup = Callable[[str, int, Scheme, Category], ContributionBounds]


def plan_life(
    person: ResidentFacts,
    community: CommunityFacts,
    pool: dict[int, list[PoolEmployer]],
    bounds: BoundsLookup,
    *,
    seed: int,
    share: float,
    as_of: date,
) -> Life | None:
    """The insurance life of one resident (None: not among the share given a history)."""
    rng = random.Random(f"{seed}:{person.social_security_number}")  # noqa: S311 - synthetic
    if rng.random() >= share:
        return None
    life = Life()
    now = period_at(month_index(period_of(as_of)) - 1)  # the latest month declared
    birth = month_index(period_of(person.birth_date))
    age = (month_index(period_of(as_of)) - birth) // 12
    if age < 16:
        if rng.random() < 0.9:
            _resident_medical(life, person, community, rng, bounds, as_of)
        return life
    track = None
    if person.sex is Sex.female:
        track = FemaleTrack.worker if rng.random() < 0.6 else FemaleTrack.cadre
    retires = retirement_period(person.sex, person.birth_date, track)
    draw = rng.random()
    if draw < 0.72:
        started = _employee(life, person, community, pool, bounds, rng, retires, now)
        if not started:
            _resident_medical(life, person, community, rng, bounds, as_of)
    elif draw < 0.92:
        _resident_medical(life, person, community, rng, bounds, as_of)
        _resident_pension(life, person, community, rng, bounds, as_of)
    _certifications(life, community, rng, as_of)
    return life


def _employee(
    life: Life,
    person: ResidentFacts,
    community: CommunityFacts,
    pool: dict[int, list[PoolEmployer]],
    bounds: BoundsLookup,
    rng: random.Random,
    retires: int,
    now: int,
) -> bool:
    birth = month_index(period_of(person.birth_date))
    began_work = birth + (18 + rng.randint(0, 7)) * 12 + rng.randint(0, 11)
    first = max(month_index(_SCHEME_BEGINS[Scheme.pension]), began_work)
    last = min(month_index(now), month_index(retires))
    if first > last:
        return False
    local = pool.get(community.street_id) or next(iter(pool.values()))
    everywhere = [employer for employers_ in pool.values() for employer in employers_]
    cursor = first
    while cursor <= last:
        employer = rng.choice(local if rng.random() < 0.8 else everywhere)
        end = min(cursor + rng.randint(12, 120) - 1, last)
        ongoing = end == month_index(now) and end < month_index(retires)
        owed_from = None
        if rng.random() < (0.08 if ongoing else 0.04):
            owed_from = max(cursor, end - rng.randint(0, 5))
        life.spells.append(
            Spell(
                employer,
                period_at(cursor),
                period_at(end),
                owed_from and period_at(owed_from),
                ongoing,
            )
        )
        cursor = end + 1 + (0 if rng.random() < 0.6 else rng.randint(1, 18))
    retired = month_index(retires) < month_index(now)
    factor = min(3.0, max(0.6, rng.lognormvariate(0, 0.45)))
    bases = {
        year: int(round(average_wage_fen(year) * factor * rng.uniform(0.95, 1.05), -2))
        for year in range(life.spells[0].first // 100, life.spells[-1].last // 100 + 1)
    }
    deemed = max(0, first - began_work)
    carried = rng.randint(12, 96) if rng.random() < 0.04 else 0
    last_spell = life.spells[-1]
    for scheme in Scheme:
        enrolment = _employee_enrolment(life, scheme, last_spell, bounds, bases)
        if enrolment is None:
            continue
        if retired:
            ends = first_day(period_at(month_index(retires) + 1))
            keep = scheme in (Scheme.pension, Scheme.medical)
            enrolment.status = EnrolmentStatus.active if keep else EnrolmentStatus.terminated
            enrolment.status_changed_on = ends if not keep else enrolment.enrolled_on
        elif not last_spell.open:
            enrolment.status = EnrolmentStatus.suspended
            enrolment.status_changed_on = first_day(period_at(month_index(last_spell.last) + 1))
        if scheme is Scheme.pension:
            enrolment.months_deemed = deemed
            if carried:
                enrolment.months_carried_in = carried
                origin = rng.choice(_OTHER_PROVINCES)
                life.transfers.append(
                    (
                        len(life.enrolments),
                        TransferDirection.in_,
                        origin,
                        enrolment.region_code,
                        carried,
                        TransferStatus.completed,
                        enrolment.enrolled_on,
                    )
                )
            if (
                enrolment.status is EnrolmentStatus.suspended
                and not enrolment_owes(enrolment)
                and rng.random() < 0.05
            ):
                # Moved to another province for good: the relation went with them.
                enrolment.status = EnrolmentStatus.transferred_out
                life.transfers.append(
                    (
                        len(life.enrolments),
                        TransferDirection.out,
                        enrolment.region_code,
                        rng.choice(_OTHER_PROVINCES),
                        _counted(enrolment),
                        TransferStatus.completed,
                        enrolment.status_changed_on,
                    )
                )
        life.enrolments.append(enrolment)
    if retired:
        _basic_pension(life, person, rng, retires, now)
    elif not last_spell.open:
        _unemployment_benefit(life, rng, last_spell, now)
    return True


def enrolment_owes(enrolment: PlannedEnrolment) -> bool:
    return not all(row[-1] for row in enrolment.rows)


def _counted(enrolment: PlannedEnrolment) -> int:
    paid = sum(row[1] for row in enrolment.rows if row[-1])
    return paid + enrolment.months_deemed + enrolment.months_carried_in


def _employee_enrolment(
    life: Life,
    scheme: Scheme,
    last_spell: Spell,
    bounds: BoundsLookup,
    bases: dict[int, int],
) -> PlannedEnrolment | None:
    """One scheme's rows over every spell: the person's base of the year, within the
    year's bounds of the employer's region."""
    begins = _SCHEME_BEGINS[scheme]
    rows: list[Row] = []
    for spell in life.spells:
        for index in range(month_index(max(spell.first, begins)), month_index(spell.last) + 1):
            period = period_at(index)
            year = period // 100
            limits = bounds(spell.employer.region_code, year, scheme, Category.employee)
            base = min(limits.cap_fen, max(limits.floor_fen, bases[year]))
            employer_rate, personal_rate = _rates(scheme, period, spell.employer.injury_rate)
            rows.append(
                (
                    period,
                    1,
                    spell.employer.id,
                    base,
                    employer_rate,
                    personal_rate,
                    contribution_amount(base, employer_rate),
                    contribution_amount(base, personal_rate),
                    spell.owed_from is None or period < spell.owed_from,
                )
            )
    if not rows:
        return None
    return PlannedEnrolment(
        scheme=scheme,
        category=Category.employee,
        employer_id=last_spell.employer.id,
        region_code=last_spell.employer.region_code,
        status=EnrolmentStatus.active,
        enrolled_on=first_day(rows[0][0]),
        status_changed_on=first_day(rows[0][0]),
        rows=rows,
    )


def _resident_medical(
    life: Life,
    person: ResidentFacts,
    community: CommunityFacts,
    rng: random.Random,
    bounds: BoundsLookup,
    as_of: date,
) -> None:
    first_year = max(_RESIDENT_MEDICAL_BEGINS, person.birth_date.year)
    years = range(first_year, as_of.year + 1)
    if not years:
        return
    rows: list[Row] = []
    for year in years:
        limits = bounds(community.region_code, year, Scheme.medical, Category.resident)
        amount = limits.grades_fen[0] if limits.grades_fen else limits.floor_fen
        draw = rng.random()
        if draw < 0.05:
            continue  # a year not paid (断保)
        rows.append((year * 100 + 1, 12, None, None, 0, 0, 0, amount, draw >= 0.07))
    if not rows:
        return
    enrolled = max(person.birth_date, date(first_year, 1, 1))
    life.enrolments.append(
        PlannedEnrolment(
            scheme=Scheme.medical,
            category=Category.resident,
            employer_id=None,
            region_code=community.region_code,
            status=EnrolmentStatus.active,
            enrolled_on=enrolled,
            status_changed_on=enrolled,
            rows=rows,
        )
    )


def _resident_pension(
    life: Life,
    person: ResidentFacts,
    community: CommunityFacts,
    rng: random.Random,
    bounds: BoundsLookup,
    as_of: date,
) -> None:
    birth = person.birth_date
    first_year = max(_RESIDENT_PENSION_BEGINS, birth.year + 16 + rng.randint(0, 12))
    sixty = birth.year + 60
    if first_year > as_of.year:
        return
    grade = rng.choice(_RESIDENT_GRADES_FEN[:4] if rng.random() < 0.8 else _RESIDENT_GRADES_FEN)
    rows: list[Row] = []
    for year in range(first_year, min(as_of.year, sixty - 1) + 1):
        limits = bounds(community.region_code, year, Scheme.pension, Category.resident)
        amount = grade if not limits.grades_fen or grade in limits.grades_fen else limits.floor_fen
        draw = rng.random()
        if draw < 0.07:
            continue
        rows.append((year * 100 + 1, 12, None, None, 0, 0, 0, amount, draw >= 0.09))
    enrolled = date(first_year, rng.randint(1, 12), 1)
    if enrolled > as_of:
        enrolled = date(first_year, 1, 1)
    enrolment = PlannedEnrolment(
        scheme=Scheme.pension,
        category=Category.resident,
        employer_id=None,
        region_code=community.region_code,
        status=EnrolmentStatus.active,
        enrolled_on=enrolled,
        status_changed_on=enrolled,
        rows=rows,
    )
    life.enrolments.append(enrolment)
    reaches = period_at(month_index(period_of(birth)) + 60 * 12)
    starts = max(
        period_at(month_index(reaches) + 1), period_at(month_index(period_of(enrolled)) + 1)
    )
    now = period_at(month_index(period_of(as_of)) - 1)
    if starts > now or enrolment_owes(enrolment):
        return
    if _counted(enrolment) < resident_pension_min_months(birth):
        return
    paid_months = sum(row[1] for row in rows if row[-1])
    amount = round(6_000 * 1.09 ** max(0, starts // 100 - 2011) + paid_months * grade / 12 / 139)
    life.benefits.append(
        _monthly(
            len(life.enrolments) - 1, BenefitKind.resident_pension, amount, starts, None, now, rng
        )
    )


def _basic_pension(
    life: Life, person: ResidentFacts, rng: random.Random, retires: int, now: int
) -> None:
    pension = next(i for i, e in enumerate(life.enrolments) if e.scheme is Scheme.pension)
    enrolment = life.enrolments[pension]
    if enrolment_owes(enrolment) or _counted(enrolment) < pension_min_months(retires // 100):
        # Cannot draw a pension yet: contributions stopped short (中断).
        enrolment.status = EnrolmentStatus.suspended
        return
    starts = period_at(month_index(retires) + 1)
    if starts > now:
        return
    years = _counted(enrolment) / 12
    amount = int(average_wage_fen(retires // 100) * (0.2 + 0.01 * years) * rng.uniform(0.85, 1.15))
    life.benefits.append(
        _monthly(pension, BenefitKind.basic_pension, amount, starts, None, now, rng)
    )


def _unemployment_benefit(life: Life, rng: random.Random, spell: Spell, now: int) -> None:
    if rng.random() >= 0.5 or month_index(now) - month_index(spell.last) > 24:
        return
    unemployment = next(
        (i for i, e in enumerate(life.enrolments) if e.scheme is Scheme.unemployment), None
    )
    if unemployment is None or enrolment_owes(life.enrolments[unemployment]):
        return
    months = unemployment_benefit_months(_counted(life.enrolments[unemployment]))
    if months == 0:
        return
    starts = period_at(month_index(spell.last) + 2)
    if starts > now:
        return
    amount = int(_minimum_wage_fen(starts // 100) * 0.9)
    ends = period_at(month_index(starts) + months - 1)
    life.benefits.append(
        _monthly(unemployment, BenefitKind.unemployment_benefit, amount, starts, ends, now, rng)
    )


def _monthly(
    enrolment: int,
    kind: BenefitKind,
    amount: int,
    starts: int,
    ends: int | None,
    now: int,
    rng: random.Random,
) -> PlannedBenefit:
    """A benefit paid every month from ``starts`` to ``ends`` or now; pensions rise each
    January; a few pensions are suspended (not certified last year) since January."""
    pension = kind in (BenefitKind.basic_pension, BenefitKind.resident_pension)
    suspended = pension and starts // 100 < now // 100 and rng.random() < 0.03
    last_paid = min(now, ends) if ends is not None else now
    if suspended:
        last_paid = min(last_paid, (now // 100 - 1) * 100 + 12)
    payments = []
    for index in range(month_index(starts), month_index(last_paid) + 1):
        period = period_at(index)
        if pension and period % 100 == 1 and period != starts:
            amount = int(amount * (1 + _pension_raise(period // 100)))
        payments.append((period, amount))
    if suspended:
        status = BenefitStatus.suspended
    elif ends is not None and ends <= now:
        status = BenefitStatus.ended
    else:
        status = BenefitStatus.being_paid
    return PlannedBenefit(
        enrolment, kind, status, starts, ends, payments, first_day(starts) - timedelta(days=20)
    )


def _certifications(life: Life, community: CommunityFacts, rng: random.Random, as_of: date) -> None:
    pension = next(
        (
            b
            for b in life.benefits
            if b.kind in (BenefitKind.basic_pension, BenefitKind.resident_pension)
        ),
        None,
    )
    if pension is None:
        return
    for year in range(pension.first_period // 100 + 1, as_of.year + 1):
        if pension.status is BenefitStatus.suspended and year >= as_of.year - 1:
            break
        if year == as_of.year and rng.random() < 0.4:
            break  # not yet this year
        latest = as_of - timedelta(days=1) if year == as_of.year else date(year, 12, 31)
        on = date(year, 1, 1) + timedelta(days=rng.randint(0, (latest - date(year, 1, 1)).days))
        draw = rng.random()
        if draw < 0.35:
            method = CertificationMethod.window
        elif draw < 0.8:
            method = CertificationMethod.online
        elif draw < 0.9:
            method = CertificationMethod.home_visit
        else:
            method = CertificationMethod.entrusted
        if community.window_id is None:
            method = CertificationMethod.online
        life.certifications.append((year, on, method))


# ---------------------------------------------------------------- loading


class _Bounds:
    """Every bound in the database, resolved county → city → province as the services do."""

    def __init__(self, session: Session) -> None:
        self._limits = {
            (limit.region_code, limit.year, limit.scheme, limit.category): ContributionBounds(
                limit.floor_fen, limit.cap_fen, tuple(limit.grades_fen or ())
            )
            for limit in LimitRepository(session).visible("", (), None, limit=10**7, offset=0)
        }
        self._resolved: dict[tuple[str, int, Scheme, Category], ContributionBounds] = {}

    def __call__(
        self, region: str, year: int, scheme: Scheme, category: Category
    ) -> ContributionBounds:
        key = (region, year, scheme, category)
        found = self._resolved.get(key)
        if found is None:
            for place in region_chain(region):
                found = self._limits.get((place, year, scheme, category))
                if found is not None:
                    break
            else:
                raise HistoriesError(f"no bounds for {region} in {year} ({scheme}, {category})")
            self._resolved[key] = found
        return found


def _missing_bounds(
    session: Session, provinces: set[str], last_year: int, now: datetime
) -> list[dict[str, Any]]:
    have = LimitRepository(session).all_keys()
    rows = []
    for province in sorted(provinces):
        for year in range(FIRST_YEAR, last_year + 1):
            for category in Category:
                schemes = (
                    list(Scheme)
                    if category is Category.employee
                    else [Scheme.pension, Scheme.medical]
                )
                for scheme in schemes:
                    if (province, year, scheme, category) in have:
                        continue
                    bounds = synthetic_bounds(year, scheme, category)
                    rows.append(
                        {
                            "region_code": province,
                            "year": year,
                            "scheme": scheme,
                            "category": category,
                            "floor_fen": bounds.floor_fen,
                            "cap_fen": bounds.cap_fen,
                            "grades_fen": list(bounds.grades_fen) or None,
                            "changed_at": now,
                            "version": 1,
                        }
                    )
    return rows


@dataclass
class _Ids:
    enrolment: int
    benefit: int
    transfer: int
    certification: int
    relation: int


def load_histories(
    session: Session,
    *,
    seed: int,
    share: float = 1.0,
    as_of: date | None = None,
    on_progress: Progress | None = None,
    batch: int = 2_000,
) -> HistoryCounts:
    """Give ``share`` of the registered residents (chosen by ``seed``) an insurance history
    up to the month before ``as_of`` (default: today); ``on_progress(done, total)`` after
    each batch of residents. Refused if the database holds enrolments already."""
    if not 0 < share <= 1:
        raise HistoriesError("share must be above 0 and at most 1")
    as_of = as_of or date.today()
    repository = EnrolmentRepository(session)
    if repository.next_ids()["insurance_enrolments"] != 1:
        raise HistoriesError("the database already holds insurance enrolments: load histories once")
    stamp = datetime.combine(as_of, datetime.min.time(), UTC)
    communities = {facts.id: facts for facts in community_facts(session)}
    if not communities:
        raise HistoriesError("no community stations: build the platforms first")
    total = resident_count(session)
    provinces = {region_chain(facts.region_code)[-1] for facts in communities.values()}
    limits = _missing_bounds(session, provinces, as_of.year + 1, stamp)
    LimitRepository(session).add_many(limits)
    bounds = _Bounds(session)
    streets = {facts.street_id: facts for facts in communities.values()}
    per_street = max(
        _EMPLOYERS_PER_STREET, round(total * share / _RESIDENTS_PER_EMPLOYER / len(streets))
    )
    pool, employer_rows = _employer_pool(session, streets, per_street, seed, stamp)
    employers.load_employers(session, employer_rows)
    next_ids = repository.next_ids()
    ids = _Ids(
        enrolment=next_ids["insurance_enrolments"],
        benefit=next_ids["benefits"],
        transfer=next_ids["relation_transfers"],
        certification=next_ids["retiree_certifications"],
        relation=employers.next_ids(session)[1],
    )
    counts = HistoryCounts(employers=len(employer_rows))
    done, after = 0, 0
    while True:
        people = resident_facts(session, after_id=after, limit=batch)
        if not people:
            break
        lives = []
        for person in people:
            life = plan_life(
                person,
                communities[person.platform_id],
                pool,
                bounds,
                seed=seed,
                share=share,
                as_of=as_of,
            )
            if life is not None:
                lives.append((person, life))
        counts = _write(session, repository, lives, communities, ids, stamp, counts)
        done += len(people)
        after = people[-1].id
        if on_progress is not None:
            on_progress(done, total)
    repository.finish_load()
    return counts


def _write(
    session: Session,
    repository: EnrolmentRepository,
    lives: list[tuple[ResidentFacts, Life]],
    communities: dict[int, CommunityFacts],
    ids: _Ids,
    stamp: datetime,
    counts: HistoryCounts,
) -> HistoryCounts:
    relations: list[dict[str, Any]] = []
    enrolments: list[dict[str, Any]] = []
    benefits: list[dict[str, Any]] = []
    transfers: list[dict[str, Any]] = []
    certifications: list[dict[str, Any]] = []
    contributions: list[tuple[int, PlannedEnrolment]] = []
    payments: list[tuple[int, PlannedBenefit]] = []
    for person, life in lives:
        for spell in life.spells:
            relations.append(
                {
                    "id": ids.relation,
                    "resident_id": person.id,
                    "employer_id": spell.employer.id,
                    "started_on": first_day(spell.first),
                    "ended_on": None if spell.open else last_day(spell.last),
                    "created_at": stamp,
                    "version": 1,
                }
            )
            ids.relation += 1
        enrolment_ids = []
        for planned in life.enrolments:
            enrolment_ids.append(ids.enrolment)
            enrolments.append(_enrolment_row(ids.enrolment, person.id, planned, stamp))
            contributions.append((ids.enrolment, planned))
            ids.enrolment += 1
        for index, direction, source, target, months, status, day in life.transfers:
            transfers.append(
                {
                    "id": ids.transfer,
                    "resident_id": person.id,
                    "scheme": life.enrolments[index].scheme.value,
                    "direction": direction.value,
                    "from_region": source,
                    "to_region": target,
                    "months_carried": months,
                    "status": status.value,
                    "started_on": day,
                    "completed_on": day,
                    "outgoing_enrolment_id": (
                        enrolment_ids[index] if direction is TransferDirection.out else None
                    ),
                    "incoming_enrolment_id": (
                        enrolment_ids[index] if direction is TransferDirection.in_ else None
                    ),
                    "created_at": stamp,
                    "version": 1,
                }
            )
            ids.transfer += 1
        pension_id = None
        for benefit in life.benefits:
            paid = sum(amount for _, amount in benefit.payments)
            benefits.append(
                {
                    "id": ids.benefit,
                    "resident_id": person.id,
                    "enrolment_id": enrolment_ids[benefit.enrolment],
                    "kind": benefit.kind.value,
                    "status": benefit.status.value,
                    "monthly_amount_fen": benefit.payments[-1][1] if benefit.payments else 0,
                    "first_period": benefit.first_period,
                    "last_period": benefit.last_period,
                    "months_paid": len(benefit.payments),
                    "paid_fen": paid,
                    "last_paid_period": benefit.payments[-1][0] if benefit.payments else None,
                    "started_on": benefit.started_on,
                    "created_at": stamp,
                    "version": 1,
                }
            )
            payments.append((ids.benefit, benefit))
            if benefit.kind in (BenefitKind.basic_pension, BenefitKind.resident_pension):
                pension_id = ids.benefit
            ids.benefit += 1
        window = communities[person.platform_id].window_id
        for year, day, method in life.certifications:
            certifications.append(
                {
                    "id": ids.certification,
                    "resident_id": person.id,
                    "benefit_id": pension_id,
                    "year": year,
                    "certified_on": day,
                    "method": method.value,
                    "window_id": None if method is CertificationMethod.online else window,
                    "clerk_id": None,
                    "created_at": stamp,
                }
            )
            ids.certification += 1
    employers.load_employment_relations(session, relations)
    repository.load("insurance_enrolments", enrolments)
    contributed = repository.load(
        "contribution_periods", _contribution_rows(contributions, stamp), CONTRIBUTION_COLUMNS
    )
    repository.load("benefits", benefits)
    paid = repository.load("benefit_payments", _payment_rows(payments), PAYMENT_COLUMNS)
    repository.load("relation_transfers", transfers)
    repository.load("retiree_certifications", certifications)
    return HistoryCounts(
        residents=counts.residents + len(lives),
        employers=counts.employers,
        employment_relations=counts.employment_relations + len(relations),
        enrolments=counts.enrolments + len(enrolments),
        contributions=counts.contributions + contributed,
        benefits=counts.benefits + len(benefits),
        payments=counts.payments + paid,
        transfers=counts.transfers + len(transfers),
        certifications=counts.certifications + len(certifications),
    )


def _enrolment_row(
    enrolment_id: int, resident_id: int, planned: PlannedEnrolment, stamp: datetime
) -> dict[str, Any]:
    kept = totals(
        (
            ContributionStatus.paid if row[8] else ContributionStatus.arrears,
            row[1],
            row[6] + row[7],
        )
        for row in planned.rows
    )
    last = planned.rows[-1] if planned.rows else None
    return {
        "id": enrolment_id,
        "resident_id": resident_id,
        "scheme": planned.scheme.value,
        "category": planned.category.value,
        "employer_id": planned.employer_id,
        "region_code": planned.region_code,
        "status": planned.status.value,
        "enrolled_on": planned.enrolled_on,
        "status_changed_on": planned.status_changed_on,
        "months_deemed": planned.months_deemed,
        "months_carried_in": planned.months_carried_in,
        "months_paid": kept.months_paid,
        "months_in_arrears": kept.months_in_arrears,
        "arrears_fen": kept.arrears_fen,
        "last_period": last[0] if last else None,
        "current_base_fen": last[3] if last else None,
        "created_at": stamp,
        "version": 1,
    }


CONTRIBUTION_COLUMNS = (
    "enrolment_id",
    "period",
    "months",
    "employer_id",
    "base_fen",
    "employer_rate",
    "personal_rate",
    "employer_amount_fen",
    "personal_amount_fen",
    "status",
    "paid_on",
    "declared_at",
)
_PAID, _OWED = ContributionStatus.paid.value, ContributionStatus.arrears.value


def _contribution_rows(
    planned: list[tuple[int, PlannedEnrolment]], stamp: datetime
) -> Iterator[tuple[object, ...]]:
    """Rows in ``CONTRIBUTION_COLUMNS`` order (the hot loop of a load: tuples, not dicts)."""
    paid_on: dict[int, date] = {}
    for enrolment_id, enrolment in planned:
        for (
            period,
            months,
            employer,
            base,
            e_rate,
            p_rate,
            e_amount,
            p_amount,
            paid,
        ) in enrolment.rows:
            if paid:
                day = paid_on.get(period * 100 + months)
                if day is None:
                    day = paid_on[period * 100 + months] = _paid_on(period, months)
            yield (
                enrolment_id,
                period,
                months,
                employer,
                base,
                e_rate,
                p_rate,
                e_amount,
                p_amount,
                _PAID if paid else _OWED,
                day if paid else None,
                stamp,
            )


def _paid_on(period: int, months: int) -> date:
    """Monthly contributions are paid by the 15th of the next month; a resident's year early
    in January."""
    if months == 12:
        return date(period // 100, 1, 10)
    return first_day(period_at(month_index(period) + 1)) + timedelta(days=14)


PAYMENT_COLUMNS = ("benefit_id", "period", "amount_fen", "paid_on")


def _payment_rows(planned: list[tuple[int, PlannedBenefit]]) -> Iterator[tuple[object, ...]]:
    """Rows in ``PAYMENT_COLUMNS`` order: benefits are paid on the 10th of the month."""
    for benefit_id, benefit in planned:
        for period, amount in benefit.payments:
            yield benefit_id, period, amount, first_day(period) + timedelta(days=9)
