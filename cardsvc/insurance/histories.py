"""Realistic insurance histories for seeding: employers, careers and contributions since
1996, arrears, pensions with their payments and yearly certifications.

``load_histories`` reads the residents already registered and, for a share of them
chosen from the seed, writes the life ``cardsvc.insurance.lives`` plans for each, with
employers for every street centre's ledger. Each life depends only on the seed and the
resident's social security number, so the same seed and residents give the same rows
whatever the batch size; ids are numbered in resident order.

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
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from cardsvc.employers import service as employers
from cardsvc.employers.rules import uscc_check_character
from cardsvc.insurance.lives import (
    FIRST_YEAR,
    WORK_INJURY_RATES,
    Life,
    PlannedBenefit,
    PlannedEnrolment,
    PoolEmployer,
    plan_life,
    synthetic_bounds,
)
from cardsvc.insurance.repository import EnrolmentRepository, LimitRepository
from cardsvc.insurance.rules import (
    BenefitKind,
    Category,
    CertificationMethod,
    ContributionBounds,
    ContributionStatus,
    Scheme,
    TransferDirection,
    first_day,
    last_day,
    month_index,
    period_at,
    region_chain,
    totals,
)
from cardsvc.kit.calendar import china_day
from cardsvc.kit.types import utcnow
from cardsvc.platforms.service import CommunityFacts, community_facts
from cardsvc.residents.service import ResidentFacts, resident_count, resident_facts

Progress = Callable[[int, int], None]

_EMPLOYERS_PER_STREET = 5
_RESIDENTS_PER_EMPLOYER = 40
_TRADE_NAMES = "华信恒达宏远金鼎瑞丰博远天成嘉禾永盛新元鼎力汇通"
_INDUSTRIES = ("科技", "商贸", "建设", "物流", "食品", "机械", "服务", "电子")


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


# ---------------------------------------------------------------- employers


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
            employer = PoolEmployer(next_id, facts.region_code, rng.choice(WORK_INJURY_RATES))
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


# ---------------------------------------------------------------- loading


class _Bounds:
    """Every bound in the database, resolved county → city → province as the services do."""

    def __init__(self, session: Session) -> None:
        self._limits = {
            (limit.region_code, limit.year, limit.scheme, limit.category): ContributionBounds(
                limit.floor_fen, limit.cap_fen, tuple(limit.grades_fen or ())
            )
            for limit in LimitRepository(session).every()
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
    as_of = as_of or china_day(utcnow())
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
