"""One resident's insurance life, planned from the seed and their social security number
alone (pure: no database): an employee's spells with employers since 1996 (gaps, employer
changes, months owed at the end of some spells, a transfer in from another province now
and then) and every scheme's monthly rows, within the bounds of each year; an urban-rural
resident's yearly contributions at a grade; children's resident medical insurance;
retirees' pensions (the 2025 statutory ages) paid month by month with yearly raises, and
their certifications; a recent unemployment benefit. ``cardsvc.insurance.histories``
writes the lives of many residents.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from cardsvc.insurance.rules import (
    BenefitKind,
    BenefitStatus,
    Category,
    CertificationMethod,
    ContributionBounds,
    EnrolmentStatus,
    FemaleTrack,
    Scheme,
    TransferDirection,
    TransferStatus,
    contribution_amount,
    first_day,
    month_index,
    pension_min_months,
    period_at,
    period_of,
    resident_pension_min_months,
    retirement_period,
    unemployment_benefit_months,
)
from cardsvc.platforms.service import CommunityFacts
from cardsvc.residents.rules import Sex
from cardsvc.residents.service import ResidentFacts

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
RESIDENT_GRADES_FEN = (10_000, 20_000, 30_000, 50_000, 80_000, 100_000, 150_000, 200_000)
_OTHER_PROVINCES = ("110105", "310104", "330106", "340102", "370102", "420106", "440106")
WORK_INJURY_RATES = (2_000, 4_000, 5_000, 7_000, 9_000, 11_000, 13_000, 19_000)

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
            RESIDENT_GRADES_FEN[0], RESIDENT_GRADES_FEN[-1], RESIDENT_GRADES_FEN
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


@dataclass(frozen=True)
class PoolEmployer:
    id: int
    region_code: str
    injury_rate: int


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
    cursor = first
    while cursor <= last:
        nearby = rng.random() < 0.8  # most work near home; some anywhere in the province
        employer = rng.choice(local if nearby else [e for es in pool.values() for e in es])
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
    grade = rng.choice(RESIDENT_GRADES_FEN[:4] if rng.random() < 0.8 else RESIDENT_GRADES_FEN)
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
