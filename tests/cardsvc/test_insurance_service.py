"""The insurance services the workflow calls when an application is approved, on SQLite
and PostgreSQL: what they store, what they refuse and how (the domain errors a clerk
sees), and the totals each enrolment keeps."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from cardsvc.audit.models import AuditEvent
from cardsvc.errors import (
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidDataError,
    NotFoundError,
    TransitionRefusedError,
)
from cardsvc.insurance import benefits, limits, service, transfers
from cardsvc.insurance.models import ContributionPeriod
from cardsvc.insurance.repository import EnrolmentRepository
from cardsvc.insurance.rules import (
    BenefitKind,
    Category,
    CertificationMethod,
    ContributionStatus,
    EnrolmentEvent,
    EnrolmentStatus,
    FemaleTrack,
    Scheme,
    Totals,
    TransferDirection,
    TransferStatus,
)
from cardsvc.insurance.schemas import (
    ArrearsPayment,
    BenefitClaim,
    CertificationInput,
    EmployeeContributions,
    EnrolmentChange,
    EnrolmentInput,
    LimitsInput,
    TransferInput,
)
from cardsvc.residents.rules import Sex
from tests.cardsvc.conftest import World
from tests.cardsvc.insurance_office import TODAY, Office


@pytest.fixture
def office(session: Session, world: World) -> Office:
    office = Office(session, world)
    office.bounds()
    return office


def _refused(
    error: type[DomainError], code: str, call: object, *args: object, **kw: object
) -> DomainError:
    with pytest.raises(error) as raised:
        call(*args, **kw)  # type: ignore[operator]
    assert raised.value.code == code, raised.value.detail
    return raised.value


# ---------------------------------------------------------------- enrolment


def test_an_employee_is_enrolled_in_the_employers_region(office: Office) -> None:
    person, employer = office.resident(), office.employer()
    office.employ(person, employer, date(2019, 12, 1))
    enrolment = office.enrol(person, Scheme.pension, employer, on=date(2020, 1, 1))
    assert (enrolment.status, enrolment.category, enrolment.region_code) == (
        EnrolmentStatus.active,
        Category.employee,
        employer.region_code,
    )
    event = office.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "insurance.enrol")
    ).one()
    assert json.loads(event.payload)["after"]["scheme"] == "pension"
    assert event.clerk_id == office.world.clerks["clerk_a1"].id


def test_enrolment_refusals(office: Office) -> None:
    person, employer = office.resident(), office.employer()
    # Employed only from 2021: not on the day of enrolment.
    office.employ(person, employer, date(2021, 3, 1))
    _refused(InvalidDataError, "not_employed", office.enrol, person, Scheme.pension, employer)
    _refused(
        InvalidDataError,
        "scheme_not_for_category",
        office.enrol,
        person,
        Scheme.unemployment,
        None,
    )
    _refused(
        InvalidDataError,
        "months_deemed_refused",
        office.enrol,
        person,
        Scheme.medical,
        None,
        months_deemed=12,
    )
    child = office.resident(birth=date(2015, 1, 1))
    _refused(InvalidDataError, "under_enrolment_age", office.enrol, child, Scheme.pension, None)
    # A newborn joins the resident medical insurance.
    assert (
        office.enrol(child, Scheme.medical, None, on=date(2016, 1, 1)).status
        is EnrolmentStatus.active
    )
    office.enrol(person, Scheme.medical, None)
    _refused(ConflictError, "already_enrolled", office.enrol, person, Scheme.medical, None)


def test_jurisdiction_and_role_are_checked_first(office: Office) -> None:
    person = office.resident("community_a1")
    _refused(NotFoundError, "resident_not_found", office.enrol, person, clerk="clerk_a2")
    _refused(NotFoundError, "resident_not_found", office.enrol, person, clerk="street_b")
    _refused(ForbiddenError, "role_not_allowed", office.enrol, person, clerk="auditor")
    # A street clerk acts for its communities.
    assert office.enrol(person, clerk="street_a").resident_id == person.id


# ---------------------------------------------------------------- contributions


def _employee(office: Office, scheme: Scheme = Scheme.pension, since: date = date(2020, 1, 1)):
    person, employer = office.resident(), office.employer()
    office.employ(person, employer, since)
    return person, employer, office.enrol(person, scheme, employer, on=since)


def test_declared_months_carry_base_rates_and_amounts_in_fen(office: Office) -> None:
    _person, employer, enrolment = _employee(office)
    office.declare(enrolment, "2020-01", "2020-12", base_fen=812_345)
    rows = office.session.scalars(
        select(ContributionPeriod)
        .where(ContributionPeriod.enrolment_id == enrolment.id)
        .order_by(ContributionPeriod.period)
    ).all()
    assert [row.period for row in rows] == [202000 + month for month in range(1, 13)]
    first = rows[0]
    # 8,123.45 × 16% = 1,299.752 → 1,299.75; × 8% = 649.876 → 649.88 (half up, to the fen).
    assert (first.employer_amount_fen, first.personal_amount_fen) == (129_975, 64_988)
    assert (first.employer_rate, first.personal_rate, first.employer_id) == (
        160_000,
        80_000,
        employer.id,
    )
    assert (enrolment.months_paid, enrolment.current_base_fen, enrolment.last_period) == (
        12,
        812_345,
        202012,
    )


def test_a_base_outside_the_years_bounds_is_refused_naming_them(office: Office) -> None:
    _person, _employer, enrolment = _employee(office)
    error = _refused(
        InvalidDataError,
        "base_out_of_bounds",
        office.declare,
        enrolment,
        "2020-01",
        "2020-03",
        399_999,
    )
    assert error.detail == "2020年缴费基数应在4,000.00元至24,000.00元之间（申报3,999.99元）"
    _refused(
        InvalidDataError,
        "base_out_of_bounds",
        office.declare,
        enrolment,
        "2020-01",
        "2020-03",
        2_400_001,
    )
    # A county's own bounds take precedence over the province's.
    office.bounds(years=range(2020, 2021), region="320102", floor_fen=450_000, cap_fen=2_500_000)
    _refused(
        InvalidDataError,
        "base_out_of_bounds",
        office.declare,
        enrolment,
        "2020-01",
        "2020-03",
        420_000,
    )
    assert office.declare(enrolment, "2020-01", "2020-03", 2_500_000).current_base_fen == 2_500_000


def test_a_year_without_bounds_is_refused(office: Office) -> None:
    person, employer = office.resident(birth=date(1960, 1, 1)), office.employer()
    office.employ(person, employer, date(2005, 1, 1))
    enrolment = office.enrol(person, Scheme.pension, employer, on=date(2005, 1, 1))
    error = _refused(
        InvalidDataError, "bounds_missing", office.declare, enrolment, "2009-12", "2010-01"
    )
    assert "2009年" in error.detail


def test_declaration_refusals(office: Office) -> None:
    _person, _employer, enrolment = _employee(office, since=date(2020, 3, 10))
    _refused(InvalidDataError, "before_enrolment", office.declare, enrolment, "2020-02", "2020-04")
    _refused(InvalidDataError, "future_period", office.declare, enrolment, "2026-06", "2026-07")
    _refused(InvalidDataError, "invalid_periods", office.declare, enrolment, "2020-05", "2020-04")
    office.declare(enrolment, "2020-03", "2020-06")
    error = _refused(
        ConflictError, "period_declared", office.declare, enrolment, "2020-06", "2020-08"
    )
    assert error.detail.startswith("2020-06起有1个月已申报")
    with pytest.raises(ValidationError, match="no more than 6 decimal places"):
        EmployeeContributions(
            enrolment_id=enrolment.id,
            first_period=202101,
            last_period=202101,
            base_fen=500_000,
            employer_rate=Decimal("0.16"),
            personal_rate=Decimal("0.0000001"),
        )
    with pytest.raises(InvalidDataError) as raised:
        service.declare_contributions(
            office.session,
            office.actor("clerk_a1"),
            office.audit("clerk_a1"),
            EmployeeContributions(
                enrolment_id=enrolment.id,
                first_period=202101,
                last_period=202101,
                base_fen=500_000,
                employer_rate=Decimal("0"),
                personal_rate=Decimal("0.08"),
            ),
            today=TODAY,
        )
    assert raised.value.detail == "职工参保须有单位缴费费率"


def test_work_injury_and_maternity_are_paid_by_the_employer_alone(office: Office) -> None:
    _person, _employer, enrolment = _employee(office, Scheme.work_injury)
    with pytest.raises(InvalidDataError) as raised:
        service.declare_contributions(
            office.session,
            office.actor("clerk_a1"),
            office.audit("clerk_a1"),
            EmployeeContributions(
                enrolment_id=enrolment.id,
                first_period=202001,
                last_period=202001,
                base_fen=500_000,
                employer_rate=Decimal("0.004"),
                personal_rate=Decimal("0.001"),
            ),
            today=TODAY,
        )
    assert raised.value.detail == "工伤保险个人不缴费，个人费率应为0"


def test_months_outside_the_employment_are_refused(office: Office) -> None:
    person, employer, enrolment = _employee(office)
    from cardsvc.employers import service as employers
    from cardsvc.employers.repository import EmploymentRepository
    from cardsvc.employers.schemas import EmploymentEnd
    from cardsvc.kit.pagination import PageRequest

    relation = EmploymentRepository(office.session).of_resident(person.id, PageRequest(1)).items[0]
    employers.end_employment(
        office.session,
        office.actor("clerk_a1"),
        office.audit("clerk_a1"),
        relation.id,
        EmploymentEnd(ended_on=date(2021, 6, 30)),
        today=TODAY,
    )
    office.declare(enrolment, "2021-01", "2021-06")
    _refused(InvalidDataError, "not_employed", office.declare, enrolment, "2021-07", "2021-07")
    assert employer.id == enrolment.employer_id


def test_arrears_are_kept_and_settled(office: Office) -> None:
    _person, _employer, enrolment = _employee(office)
    office.declare(enrolment, "2020-01", "2020-06")
    office.declare(enrolment, "2020-07", "2020-09", base_fen=500_000, paid=False)
    # Each month owes 5,000.00 × (16% + 8%) = 1,200.00.
    assert (enrolment.months_paid, enrolment.months_in_arrears, enrolment.arrears_fen) == (
        6,
        3,
        360_000,
    )
    settle = ArrearsPayment(
        enrolment_id=enrolment.id, first_period=202008, last_period=202012, paid_on=TODAY
    )
    service.settle_arrears(
        office.session, office.actor("clerk_a1"), office.audit("clerk_a1"), settle, today=TODAY
    )
    assert (enrolment.months_paid, enrolment.months_in_arrears, enrolment.arrears_fen) == (
        8,
        1,
        120_000,
    )
    assert EnrolmentRepository(office.session).recount(enrolment.id) == Totals(8, 1, 120_000)
    with pytest.raises(InvalidDataError) as raised:
        service.settle_arrears(
            office.session, office.actor("clerk_a1"), office.audit("clerk_a1"), settle, today=TODAY
        )
    assert raised.value.code == "no_arrears"


def test_urban_rural_residents_pay_a_year_at_a_grade(office: Office) -> None:
    person = office.resident()
    enrolment = office.enrol(person, Scheme.pension, None, on=date(2020, 5, 1))
    office.pay_year(enrolment, 2020, 50_000)
    office.pay_year(enrolment, 2021, 100_000, paid=False)
    assert (enrolment.months_paid, enrolment.months_in_arrears, enrolment.arrears_fen) == (
        12,
        12,
        100_000,
    )
    error = _refused(
        InvalidDataError, "base_out_of_bounds", office.pay_year, enrolment, 2022, 60_000
    )
    assert error.detail == "2022年城乡居民缴费档次为：200.00、500.00、1,000.00、5,000.00元"
    _refused(ConflictError, "period_declared", office.pay_year, enrolment, 2020, 50_000)
    _refused(InvalidDataError, "before_enrolment", office.pay_year, enrolment, 2019, 50_000)
    _refused(InvalidDataError, "future_period", office.pay_year, enrolment, 2028, 50_000)
    _refused(InvalidDataError, "wrong_declaration", office.declare, enrolment, "2022-01", "2022-02")


def test_a_suspended_enrolment_takes_no_declaration_until_resumed(office: Office) -> None:
    _person, _employer, enrolment = _employee(office)
    change = EnrolmentChange(
        enrolment_id=enrolment.id, event=EnrolmentEvent.suspend, effective_on=date(2022, 1, 1)
    )
    service.change_enrolment(
        office.session, office.actor("clerk_a1"), office.audit("clerk_a1"), change, today=TODAY
    )
    assert enrolment.status is EnrolmentStatus.suspended
    _refused(ConflictError, "enrolment_not_active", office.declare, enrolment, "2022-01", "2022-01")
    with pytest.raises(TransitionRefusedError):
        service.change_enrolment(
            office.session, office.actor("clerk_a1"), office.audit("clerk_a1"), change, today=TODAY
        )
    service.change_enrolment(
        office.session,
        office.actor("clerk_a1"),
        office.audit("clerk_a1"),
        change.model_copy(
            update={"event": EnrolmentEvent.resume, "effective_on": date(2022, 3, 1)}
        ),
        today=TODAY,
    )
    assert office.declare(enrolment, "2022-03", "2022-03").status is EnrolmentStatus.active


def test_changing_employer_needs_the_new_employment_and_the_same_region(office: Office) -> None:
    person, _old, enrolment = _employee(office)
    new = office.employer("community_a1", clerk="clerk_a1")
    change = EnrolmentChange(
        enrolment_id=enrolment.id,
        event=EnrolmentEvent.change_employer,
        effective_on=date(2023, 1, 1),
        employer_id=new.id,
    )
    act = (office.session, office.actor("clerk_a1"), office.audit("clerk_a1"), change)
    _refused(InvalidDataError, "not_employed", service.change_enrolment, *act, today=TODAY)
    office.employ(person, new, date(2023, 1, 1))
    assert service.change_enrolment(*act, today=TODAY).employer_id == new.id
    office.declare(enrolment, "2023-01", "2023-01")
    row = office.session.get(ContributionPeriod, (enrolment.id, 202301))
    assert row is not None
    assert row.employer_id == new.id
    terminate = EnrolmentChange(
        enrolment_id=enrolment.id, event=EnrolmentEvent.terminate, effective_on=date(2024, 1, 1)
    )
    _refused(
        InvalidDataError,
        "reason_required",
        service.change_enrolment,
        *act[:3],
        terminate,
        today=TODAY,
    )


# ---------------------------------------------------------------- benefits


def _retiree(office: Office, sex: Sex = Sex.male, birth: date = date(1965, 3, 10)):
    person, employer = office.resident(birth=birth, sex=sex), office.employer()
    office.employ(person, employer, date(2010, 1, 1))
    enrolment = office.enrol(
        person, Scheme.pension, employer, on=date(2010, 1, 1), months_deemed=120
    )
    office.declare(enrolment, "2010-01", "2019-12", base_fen=600_000)
    return person, enrolment


def test_a_basic_pension_waits_for_the_statutory_age_of_the_2025_reform(office: Office) -> None:
    # Born March 1965: 60 years and 1 month (the reform's first step): April 2025.
    person, enrolment = _retiree(office)
    claim = BenefitClaim(
        resident_id=person.id,
        kind=BenefitKind.basic_pension,
        first_period=202504,
        monthly_amount_fen=350_000,
    )
    act = (office.session, office.actor("clerk_a1"), office.audit("clerk_a1"))
    error = _refused(
        InvalidDataError, "below_pension_age", benefits.start_benefit, *act, claim, today=TODAY
    )
    assert error.detail == "未达到领取年龄，最早可从2025-05起领取"
    benefit = benefits.start_benefit(
        *act, claim.model_copy(update={"first_period": 202505}), today=TODAY
    )
    assert (benefit.kind, benefit.last_period, enrolment.months_counted) == (
        BenefitKind.basic_pension,
        None,
        240,
    )
    _refused(
        ConflictError,
        "benefit_being_paid",
        benefits.start_benefit,
        *act,
        claim.model_copy(update={"first_period": 202506}),
        today=TODAY,
    )
    # Contributions stop once the pension is paid.
    _refused(ConflictError, "pension_being_paid", office.declare, enrolment, "2025-05", "2025-05")


def test_a_woman_worker_must_say_her_post_and_needs_fifteen_years(office: Office) -> None:
    person, employer = office.resident(birth=date(1974, 6, 1), sex=Sex.female), office.employer()
    office.employ(person, employer, date(2015, 1, 1))
    enrolment = office.enrol(person, Scheme.pension, employer, on=date(2015, 1, 1))
    office.declare(enrolment, "2015-01", "2024-06", base_fen=500_000)
    claim = BenefitClaim(
        resident_id=person.id,
        kind=BenefitKind.basic_pension,
        first_period=202407,
        monthly_amount_fen=200_000,
    )
    act = (office.session, office.actor("clerk_a1"), office.audit("clerk_a1"))
    _refused(
        InvalidDataError, "female_track_missing", benefits.start_benefit, *act, claim, today=TODAY
    )
    worker = claim.model_copy(update={"female_track": FemaleTrack.worker})
    error = _refused(
        InvalidDataError,
        "contribution_too_short",
        benefits.start_benefit,
        *act,
        worker,
        today=TODAY,
    )
    assert error.detail == "累计缴费114个月，不足180个月，不能按月领取养老金"


def test_unemployment_benefit_runs_by_the_months_paid_after_contributions_stop(
    office: Office,
) -> None:
    person, _employer, enrolment = _employee(office, Scheme.unemployment)
    office.declare(enrolment, "2020-01", "2025-12", base_fen=500_000)  # 72 months: 18 months
    claim = BenefitClaim(
        resident_id=person.id,
        kind=BenefitKind.unemployment_benefit,
        first_period=202602,
        monthly_amount_fen=180_000,
    )
    act = (office.session, office.actor("clerk_a1"), office.audit("clerk_a1"))
    _refused(InvalidDataError, "still_employed", benefits.start_benefit, *act, claim, today=TODAY)
    service.change_enrolment(
        *act,
        EnrolmentChange(
            enrolment_id=enrolment.id, event=EnrolmentEvent.suspend, effective_on=date(2026, 1, 5)
        ),
        today=TODAY,
    )
    benefit = benefits.start_benefit(*act, claim, today=TODAY)
    assert benefit.last_period == 202707


def test_benefits_need_an_enrolment_and_no_arrears(office: Office) -> None:
    person, _employer, enrolment = _employee(office, Scheme.unemployment)
    # 8,000.00 × (0.5% + 0.5%) = 80.00 owed a month.
    office.declare(enrolment, "2020-01", "2020-12", paid=False)
    act = (office.session, office.actor("clerk_a1"), office.audit("clerk_a1"))
    service.change_enrolment(
        *act,
        EnrolmentChange(
            enrolment_id=enrolment.id, event=EnrolmentEvent.suspend, effective_on=date(2021, 1, 1)
        ),
        today=TODAY,
    )
    claim = BenefitClaim(
        resident_id=person.id,
        kind=BenefitKind.unemployment_benefit,
        first_period=202102,
        monthly_amount_fen=180_000,
    )
    error = _refused(
        ConflictError, "arrears_outstanding", benefits.start_benefit, *act, claim, today=TODAY
    )
    assert error.detail == "失业保险欠缴12个月共960.00元，请补缴后再办理待遇申领"
    maternity = BenefitClaim(
        resident_id=person.id,
        kind=BenefitKind.maternity_allowance,
        first_period=202102,
        monthly_amount_fen=500_000,
        months=4,
    )
    _refused(InvalidDataError, "not_enrolled", benefits.start_benefit, *act, maternity, today=TODAY)


def test_the_monthly_run_pays_each_owed_month_once(office: Office) -> None:
    person, _enrolment = _retiree(office)
    act = (office.session, office.actor("clerk_a1"), office.audit("clerk_a1"))
    benefit = benefits.start_benefit(
        *act,
        BenefitClaim(
            resident_id=person.id,
            kind=BenefitKind.basic_pension,
            first_period=202601,
            monthly_amount_fen=300_000,
        ),
        today=TODAY,
    )
    assert benefits.pay_benefits(office.session, office.audit("admin"), 202603, paid_on=TODAY) == 1
    # January to March at once (补发), then nothing more for March.
    assert (benefit.months_paid, benefit.paid_fen, benefit.last_paid_period) == (3, 900_000, 202603)
    assert benefits.pay_benefits(office.session, office.audit("admin"), 202603, paid_on=TODAY) == 0
    assert benefits.pay_benefits(office.session, office.audit("admin"), 202604, paid_on=TODAY) == 1
    assert benefit.months_paid == 4


# ---------------------------------------------------------------- transfers


def test_a_transfer_within_the_province_is_in_transit_until_received(office: Office) -> None:
    person, _employer, enrolment = _employee(office)
    office.declare(enrolment, "2020-01", "2021-12")
    act = (office.session, office.actor("clerk_a1"), office.audit("clerk_a1"))
    out = transfers.transfer_relation(
        *act,
        TransferInput(
            resident_id=person.id,
            scheme=Scheme.pension,
            direction=TransferDirection.out,
            effective_on=date(2022, 1, 5),
            other_region="320508",
        ),
        today=TODAY,
    )
    assert (out.status, out.months_carried, enrolment.status) == (
        TransferStatus.in_transit,
        24,
        EnrolmentStatus.transferred_out,
    )
    # Received in Suzhou: enrolled there first, then the 24 months join.
    suzhou = office.world.platforms["community_b1"]  # any community; the employer decides
    assert suzhou is not None
    receiving = _enrolled_elsewhere(office, person, "320508")
    received = transfers.transfer_relation(
        *act,
        TransferInput(
            resident_id=person.id,
            scheme=Scheme.pension,
            direction=TransferDirection.in_,
            effective_on=date(2022, 2, 1),
            transfer_id=out.id,
        ),
        today=TODAY,
    )
    assert received.id == out.id
    assert (received.status, received.incoming_enrolment_id) == (
        TransferStatus.completed,
        receiving.id,
    )
    assert receiving.months_counted == 24
    summary = service.summary(office.session, person.id)
    assert [(s.scheme, s.months_counted, s.region_code) for s in summary.schemes] == [
        (Scheme.pension, 24, "320508")
    ]


def _enrolled_elsewhere(office: Office, person, region: str):  # type: ignore[no-untyped-def]
    from cardsvc.insurance.models import Enrolment

    enrolment = Enrolment(
        resident_id=person.id,
        scheme=Scheme.pension,
        category=Category.resident,
        region_code=region,
        status=EnrolmentStatus.active,
        enrolled_on=date(2022, 2, 1),
        status_changed_on=date(2022, 2, 1),
        months_deemed=0,
        months_carried_in=0,
        months_paid=0,
        months_in_arrears=0,
        arrears_fen=0,
    )
    office.session.add(enrolment)
    office.session.flush()
    return enrolment


def test_transfer_refusals(office: Office) -> None:
    person, _employer, enrolment = _employee(office)
    office.declare(enrolment, "2020-01", "2020-03", paid=False)
    act = (office.session, office.actor("clerk_a1"), office.audit("clerk_a1"))
    out = TransferInput(
        resident_id=person.id,
        scheme=Scheme.pension,
        direction=TransferDirection.out,
        effective_on=date(2022, 1, 5),
        other_region="110105",
    )
    _refused(
        ConflictError, "arrears_outstanding", transfers.transfer_relation, *act, out, today=TODAY
    )
    same = out.model_copy(update={"other_region": enrolment.region_code})
    _refused(InvalidDataError, "same_region", transfers.transfer_relation, *act, same, today=TODAY)
    medical = out.model_copy(update={"scheme": Scheme.medical})
    _refused(
        InvalidDataError, "not_enrolled", transfers.transfer_relation, *act, medical, today=TODAY
    )
    inward = TransferInput(
        resident_id=person.id,
        scheme=Scheme.pension,
        direction=TransferDirection.in_,
        effective_on=date(2022, 1, 5),
        other_region="320508",
        months_carried=30,
    )
    _refused(
        InvalidDataError,
        "transfer_id_required",
        transfers.transfer_relation,
        *act,
        inward,
        today=TODAY,
    )
    from_beijing = transfers.transfer_relation(
        *act, inward.model_copy(update={"other_region": "110105"}), today=TODAY
    )
    assert (from_beijing.status, enrolment.months_carried_in) == (TransferStatus.completed, 30)


# ---------------------------------------------------------------- certification


def test_a_retiree_is_certified_once_a_year_at_the_window(office: Office) -> None:
    person, _enrolment = _retiree(office)
    act = (office.session, office.actor("clerk_a1"), office.audit("clerk_a1"))
    certify = CertificationInput(
        resident_id=person.id,
        year=2026,
        certified_on=date(2026, 3, 2),
        method=CertificationMethod.window,
    )
    _refused(InvalidDataError, "no_pension", benefits.certify_retiree, *act, certify, today=TODAY)
    benefits.start_benefit(
        *act,
        BenefitClaim(
            resident_id=person.id,
            kind=BenefitKind.basic_pension,
            first_period=202506,
            monthly_amount_fen=300_000,
        ),
        today=TODAY,
    )
    done = benefits.certify_retiree(*act, certify, today=TODAY)
    assert (done.window_id, done.clerk_id) == (
        office.world.windows["clerk_a1"].id,
        office.world.clerks["clerk_a1"].id,
    )
    _refused(
        ConflictError, "already_certified", benefits.certify_retiree, *act, certify, today=TODAY
    )
    wrong_year = certify.model_copy(update={"year": 2025})
    _refused(
        InvalidDataError,
        "invalid_certification",
        benefits.certify_retiree,
        *act,
        wrong_year,
        today=TODAY,
    )


# ---------------------------------------------------------------- summary and limits


def test_the_summary_shows_each_scheme_and_the_benefits_being_paid(office: Office) -> None:
    person, _employer, pension = _employee(office)
    office.declare(pension, "2020-01", "2020-10", base_fen=700_000)
    office.declare(pension, "2020-11", "2020-12", base_fen=700_000, paid=False)
    office.enrol(person, Scheme.medical, None, on=date(2020, 1, 1))
    summary = service.summary(office.session, person.id)
    assert [
        s.model_dump(include={"scheme", "status", "months_paid", "months_in_arrears"})
        for s in summary.schemes
    ] == [
        {
            "scheme": Scheme.pension,
            "status": EnrolmentStatus.active,
            "months_paid": 10,
            "months_in_arrears": 2,
        },
        {
            "scheme": Scheme.medical,
            "status": EnrolmentStatus.active,
            "months_paid": 0,
            "months_in_arrears": 0,
        },
    ]
    assert summary.schemes[0].arrears_fen == 2 * 168_000
    assert summary.schemes[0].current_base_fen == 700_000
    assert summary.benefits == []
    assert service.summary(office.session, 999_999).schemes == []


def test_bounds_are_checked_when_set_and_within_the_administrators_region(office: Office) -> None:
    act = (office.session, office.actor("city_admin"), office.audit("city_admin"))
    limit, created = limits.set_limits(
        *act, "320102", 2026, Category.employee, Scheme.pension, LimitsInput(floor_fen=1, cap_fen=2)
    )
    assert created
    assert (limit.floor_fen, limit.cap_fen) == (1, 2)
    limit, created = limits.set_limits(
        *act, "320102", 2026, Category.employee, Scheme.pension, LimitsInput(floor_fen=5, cap_fen=9)
    )
    assert not created
    assert limit.floor_fen == 5
    with pytest.raises(ForbiddenError):
        limits.set_limits(
            *act,
            "320500",
            2026,
            Category.employee,
            Scheme.pension,
            LimitsInput(floor_fen=1, cap_fen=2),
        )
    for data, code in [
        (LimitsInput(floor_fen=9, cap_fen=5), "invalid_bounds"),
        (LimitsInput(floor_fen=5, cap_fen=9, grades_fen=[6]), "invalid_bounds"),
    ]:
        _refused(
            InvalidDataError,
            code,
            limits.set_limits,
            *act,
            "320102",
            2026,
            Category.employee,
            Scheme.pension,
            data,
        )
    _refused(
        InvalidDataError,
        "invalid_bounds",
        limits.set_limits,
        *act,
        "320102",
        2026,
        Category.resident,
        Scheme.pension,
        LimitsInput(floor_fen=5, cap_fen=9, grades_fen=[8, 6]),
    )
    _refused(
        InvalidDataError,
        "scheme_not_for_category",
        limits.set_limits,
        *act,
        "320102",
        2026,
        Category.resident,
        Scheme.unemployment,
        LimitsInput(floor_fen=5, cap_fen=9),
    )


def test_inputs_refuse_floats_and_malformed_periods() -> None:
    with pytest.raises(ValidationError):
        EnrolmentInput.model_validate(
            {
                "resident_id": 1,
                "scheme": "pension",
                "category": "resident",
                "enrolled_on": "2020-1-1",
            }
        )
    with pytest.raises(ValidationError):
        EmployeeContributions.model_validate(
            {
                "enrolment_id": 1,
                "first_period": "2020-13",
                "last_period": "2020-12",
                "base_fen": 500_000,
                "employer_rate": "0.16",
                "personal_rate": "0.08",
            }
        )
    with pytest.raises(ValidationError):  # money is integer fen, never a float
        EmployeeContributions.model_validate(
            {
                "enrolment_id": 1,
                "first_period": "2020-01",
                "last_period": "2020-12",
                "base_fen": 5000.5,
                "employer_rate": "0.16",
                "personal_rate": "0.08",
            }
        )
    assert ContributionStatus.arrears.value == "arrears"
