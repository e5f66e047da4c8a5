"""Enrolment and contributions: what an approved application does (enrol, change an
enrolment, declare contributions, settle arrears), and the insurance part of the
resident summary.

Every function takes the session and never commits; the acting clerk's role and
jurisdiction over the resident are checked first (a resident outside it answers as one
that does not exist, the refusal audited); every change is audited. ``today`` may be
given (tests, the workflow's own clock); by default it is the service's date.

Benefits and certification are in ``benefits``, transfers in ``transfers``, the window's
audited reads in ``records``, the regions' bounds in ``limits``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.permissions import Actor, Permission, authorize
from cardsvc.employers import service as employers
from cardsvc.errors import ConflictError, InvalidDataError, NotFoundError
from cardsvc.insurance.limits import bounds_for
from cardsvc.insurance.models import (
    Benefit,
    ContributionPeriod,
    Enrolment,
)
from cardsvc.insurance.repository import (
    BenefitRepository,
    EnrolmentRepository,
)
from cardsvc.insurance.rules import (
    PENSIONS,
    SCHEME_NAMES,
    SCHEME_ORDER,
    STATUS_NAMES,
    Category,
    ContributionStatus,
    EnrolmentEvent,
    EnrolmentStatus,
    Scheme,
    Totals,
    check_base,
    check_declared_periods,
    check_enrolment,
    check_rates,
    check_resident_amount,
    check_resident_year,
    contribution_amount,
    first_day,
    last_day,
    next_status,
    period_text,
    periods_between,
    rate_of,
    totals,
)
from cardsvc.insurance.schemas import (
    ArrearsPayment,
    BenefitSummary,
    EmployeeContributions,
    EnrolmentChange,
    EnrolmentInput,
    InsuranceSummary,
    ResidentContribution,
    SchemeSummary,
)
from cardsvc.kit.calendar import china_day
from cardsvc.kit.types import utcnow
from cardsvc.residents.service import resident_in_jurisdiction

if TYPE_CHECKING:
    from cardsvc.residents.models import Resident


def _enrolment(
    session: Session, actor: Actor, enrolment_id: int, permission: Permission
) -> tuple[Enrolment, Resident]:
    """The enrolment, locked, and its resident, if within the clerk's jurisdiction."""
    authorize(actor, permission, subject=("enrolment", enrolment_id))
    enrolment = EnrolmentRepository(session).get(enrolment_id, lock=True)
    if enrolment is None:
        raise NotFoundError("参保记录不存在", code="enrolment_not_found")
    try:
        resident = resident_in_jurisdiction(session, actor, enrolment.resident_id, permission)
    except NotFoundError as hidden:
        raise NotFoundError(
            "参保记录不存在", code="enrolment_not_found", refusal=hidden.refusal
        ) from None
    return enrolment, resident


def _snapshot(enrolment: Enrolment) -> dict[str, object]:
    return {
        "resident_id": enrolment.resident_id,
        "scheme": enrolment.scheme.value,
        "category": enrolment.category.value,
        "status": enrolment.status.value,
        "employer_id": enrolment.employer_id,
        "region_code": enrolment.region_code,
        "months_paid": enrolment.months_paid,
        "months_in_arrears": enrolment.months_in_arrears,
        "arrears_fen": enrolment.arrears_fen,
    }


def _add_totals(enrolment: Enrolment, change: Totals) -> None:
    enrolment.months_paid += change.months_paid
    enrolment.months_in_arrears += change.months_in_arrears
    enrolment.arrears_fen += change.arrears_fen


# ---------------------------------------------------------------- enrolment


def enrol(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    data: EnrolmentInput,
    *,
    today: date | None = None,
) -> Enrolment:
    """参保登记: an employee (employed by the employer on the day) or an urban-rural
    resident joins a scheme; at most one open enrolment per scheme. The region insured
    (参保地) is the employer's, or the resident's own county."""
    resident = resident_in_jurisdiction(
        session, actor, data.resident_id, Permission.handle_insurance
    )
    employer = (
        None if data.employer_id is None else employers.any_employer(session, data.employer_id)
    )
    check_enrolment(
        data.category,
        data.scheme,
        has_employer=employer is not None,
        birth_date=resident.birth_date,
        enrolled_on=data.enrolled_on,
        today=(today or china_day(utcnow())),
    )
    if data.months_deemed and (data.scheme, data.category) != (Scheme.pension, Category.employee):
        raise InvalidDataError("视同缴费年限只适用于职工养老保险", code="months_deemed_refused")
    if employer is not None and not employers.employed_throughout(
        session, resident.id, employer.id, data.enrolled_on, data.enrolled_on
    ):
        raise InvalidDataError(
            "参保日期不在该人员与该用人单位的用工期间内，请先办理用工登记", code="not_employed"
        )
    repository = EnrolmentRepository(session)
    current = repository.open_one(resident.id, data.scheme)
    if current is not None:
        raise ConflictError(
            f"该人员已参加{SCHEME_NAMES[data.scheme]}（{STATUS_NAMES[current.status]}），"
            "请办理续保或参保单位变更",
            code="already_enrolled",
        )
    enrolment = repository.add(
        Enrolment(
            resident_id=resident.id,
            scheme=data.scheme,
            category=data.category,
            employer_id=employer.id if employer else None,
            region_code=employer.region_code if employer else resident.platform.region_code,
            status=EnrolmentStatus.active,
            enrolled_on=data.enrolled_on,
            status_changed_on=data.enrolled_on,
            months_deemed=data.months_deemed,
            months_carried_in=0,
            months_paid=0,
            months_in_arrears=0,
            arrears_fen=0,
        )
    )
    audit.change("insurance.enrol", "enrolment", enrolment.id, None, _snapshot(enrolment))
    return enrolment


def change_enrolment(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    data: EnrolmentChange,
    *,
    today: date | None = None,
) -> Enrolment:
    """暂停 (suspend), 续保 (resume, with the same or a new employer), 参保单位变更
    (change employer) or 终止 (terminate, with a reason)."""
    enrolment, resident = _enrolment(session, actor, data.enrolment_id, Permission.handle_insurance)
    before = _snapshot(enrolment)
    status = next_status(enrolment.status, data.event)
    if not enrolment.enrolled_on <= data.effective_on <= (today or china_day(utcnow())):
        raise InvalidDataError("生效日期应在参保日期与今天之间", code="invalid_effective_date")
    if data.event is EnrolmentEvent.terminate and data.reason is None:
        raise InvalidDataError("终止参保须说明原因", code="reason_required")
    if data.event is EnrolmentEvent.change_employer and data.employer_id is None:
        raise InvalidDataError("参保单位变更须指明新的用人单位", code="employer_mismatch")
    if data.employer_id is not None:
        if data.event not in (EnrolmentEvent.change_employer, EnrolmentEvent.resume):
            raise InvalidDataError("此项业务不填用人单位", code="employer_mismatch")
        if enrolment.category is not Category.employee:
            raise InvalidDataError("城乡居民参保不填用人单位", code="employer_mismatch")
        employer = employers.any_employer(session, data.employer_id)
        if employer.region_code != enrolment.region_code:
            raise InvalidDataError(
                "新用人单位的参保地不同，请办理关系转移接续", code="region_differs"
            )
        enrolment.employer_id = employer.id
    if (
        data.event in (EnrolmentEvent.resume, EnrolmentEvent.change_employer)
        and enrolment.employer_id is not None
        and not employers.employed_throughout(
            session, resident.id, enrolment.employer_id, data.effective_on, data.effective_on
        )
    ):
        raise InvalidDataError(
            "生效日期不在该人员与用人单位的用工期间内，请先办理用工登记", code="not_employed"
        )
    enrolment.status = status
    enrolment.status_changed_on = data.effective_on
    session.flush()
    audit.change(
        f"insurance.{data.event.value}", "enrolment", enrolment.id, before, _snapshot(enrolment)
    )
    return enrolment


# ---------------------------------------------------------------- contributions


def declare_contributions(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    data: EmployeeContributions | ResidentContribution,
    *,
    today: date | None = None,
) -> Enrolment:
    """缴费申报: an employee's months (base within the year's floor and cap, the employer's
    and personal rates), or an urban-rural resident's year at one of its grades; paid now
    or owed (欠缴). A month is declared once."""
    enrolment, _resident = _enrolment(
        session, actor, data.enrolment_id, Permission.handle_insurance
    )
    before = _snapshot(enrolment)
    day = today or china_day(utcnow())
    if enrolment.status is not EnrolmentStatus.active:
        raise ConflictError(
            f"参保状态为“{STATUS_NAMES[enrolment.status]}”，不能申报缴费",
            code="enrolment_not_active",
        )
    if isinstance(data, EmployeeContributions):
        rows = _employee_rows(session, enrolment, data, day)
        detail: dict[str, object] = {
            "first": period_text(data.first_period),
            "last": period_text(data.last_period),
            "base_fen": data.base_fen,
            "employer_rate": str(data.employer_rate),
            "personal_rate": str(data.personal_rate),
        }
    else:
        rows = _resident_rows(session, enrolment, data, day)
        detail = {"year": data.year, "amount_fen": data.amount_fen}
    repository = EnrolmentRepository(session)
    taken = repository.taken_periods(enrolment.id, rows[0].period, rows[-1].period)
    if taken:
        raise ConflictError(
            f"{period_text(taken[0])}起有{len(taken)}个月已申报，不能重复申报",
            code="period_declared",
        )
    repository.add_periods(rows)
    _add_totals(
        enrolment,
        totals(
            (row.status, row.months, row.employer_amount_fen + row.personal_amount_fen)
            for row in rows
        ),
    )
    if enrolment.last_period is None or rows[-1].period >= enrolment.last_period:
        enrolment.last_period = rows[-1].period
        if rows[-1].base_fen is not None:
            enrolment.current_base_fen = rows[-1].base_fen
    session.flush()
    audit.change(
        "insurance.declare",
        "enrolment",
        enrolment.id,
        before,
        {**_snapshot(enrolment), **detail, "paid": data.paid},
    )
    return enrolment


def _employee_rows(
    session: Session, enrolment: Enrolment, data: EmployeeContributions, today: date
) -> list[ContributionPeriod]:
    if enrolment.category is not Category.employee or enrolment.employer_id is None:
        raise InvalidDataError("城乡居民按年度和档次缴费，请按年度申报", code="wrong_declaration")
    check_declared_periods(
        data.first_period, data.last_period, enrolled_on=enrolment.enrolled_on, today=today
    )
    employer_rate, personal_rate = rate_of(data.employer_rate), rate_of(data.personal_rate)
    check_rates(enrolment.scheme, employer_rate, personal_rate)
    for year in range(data.first_period // 100, data.last_period // 100 + 1):
        bounds = bounds_for(
            session, enrolment.region_code, year, enrolment.scheme, Category.employee
        )
        check_base(data.base_fen, bounds, year)
    if not employers.employed_throughout(
        session,
        enrolment.resident_id,
        enrolment.employer_id,
        last_day(data.first_period),
        first_day(data.last_period),
    ):
        raise InvalidDataError("申报月份不在该人员与用人单位的用工期间内", code="not_employed")
    if enrolment.scheme is Scheme.pension:
        pension = BenefitRepository(session).paid_kind(enrolment.resident_id, PENSIONS)
        if pension is not None and pension.first_period <= data.last_period:
            raise ConflictError("已按月领取养老金，不再缴纳养老保险费", code="pension_being_paid")
    status = ContributionStatus.paid if data.paid else ContributionStatus.arrears
    employer_amount = contribution_amount(data.base_fen, employer_rate)
    personal_amount = contribution_amount(data.base_fen, personal_rate)
    return [
        ContributionPeriod(
            enrolment_id=enrolment.id,
            period=period,
            months=1,
            employer_id=enrolment.employer_id,
            base_fen=data.base_fen,
            employer_rate=employer_rate,
            personal_rate=personal_rate,
            employer_amount_fen=employer_amount,
            personal_amount_fen=personal_amount,
            status=status,
            paid_on=today if data.paid else None,
        )
        for period in periods_between(data.first_period, data.last_period)
    ]


def _resident_rows(
    session: Session, enrolment: Enrolment, data: ResidentContribution, today: date
) -> list[ContributionPeriod]:
    if enrolment.category is not Category.resident:
        raise InvalidDataError("职工按月申报缴费基数和费率", code="wrong_declaration")
    check_resident_year(data.year, enrolment.enrolled_on, today)
    bounds = bounds_for(
        session, enrolment.region_code, data.year, enrolment.scheme, Category.resident
    )
    check_resident_amount(data.amount_fen, bounds, data.year)
    return [
        ContributionPeriod(
            enrolment_id=enrolment.id,
            period=data.year * 100 + 1,
            months=12,
            employer_id=None,
            base_fen=None,
            employer_rate=0,
            personal_rate=0,
            employer_amount_fen=0,
            personal_amount_fen=data.amount_fen,
            status=ContributionStatus.paid if data.paid else ContributionStatus.arrears,
            paid_on=today if data.paid else None,
        )
    ]


def settle_arrears(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    data: ArrearsPayment,
    *,
    today: date | None = None,
) -> Enrolment:
    """补缴: the owed months from ``first_period`` to ``last_period`` are paid."""
    enrolment, _resident = _enrolment(
        session, actor, data.enrolment_id, Permission.handle_insurance
    )
    if data.paid_on > (today or china_day(utcnow())):
        raise InvalidDataError("缴费日期不能晚于今天", code="invalid_paid_on")
    before = _snapshot(enrolment)
    owed = EnrolmentRepository(session).owed(enrolment.id, data.first_period, data.last_period)
    if not owed:
        raise InvalidDataError("所选月份没有欠缴记录", code="no_arrears")
    settled = totals(
        (row.status, row.months, row.employer_amount_fen + row.personal_amount_fen) for row in owed
    )
    for row in owed:
        row.status = ContributionStatus.paid
        row.paid_on = data.paid_on
    _add_totals(
        enrolment,
        Totals(settled.months_in_arrears, -settled.months_in_arrears, -settled.arrears_fen),
    )
    session.flush()
    audit.change(
        "insurance.settle_arrears", "enrolment", enrolment.id, before, _snapshot(enrolment)
    )
    return enrolment


# ---------------------------------------------------------------- reads


def summary_of(
    resident_id: int, enrolments: Sequence[Enrolment], paying: Sequence[Benefit]
) -> InsuranceSummary:
    """The summary of rows already read: all the resident's enrolments, newest first within
    each scheme, and the benefits being paid."""
    current: dict[Scheme, Enrolment] = {}
    owed: dict[Scheme, Totals] = {}
    for enrolment in enrolments:  # newest first within each scheme
        current.setdefault(enrolment.scheme, enrolment)
        owed[enrolment.scheme] = owed.get(enrolment.scheme, Totals()) + Totals(
            0, enrolment.months_in_arrears, enrolment.arrears_fen
        )
    schemes = [
        SchemeSummary(
            scheme=scheme,
            category=enrolment.category,
            status=enrolment.status,
            region_code=enrolment.region_code,
            employer_id=enrolment.employer_id,
            enrolled_on=enrolment.enrolled_on,
            months_paid=enrolment.months_paid,
            months_counted=enrolment.months_counted,
            months_in_arrears=owed[scheme].months_in_arrears,
            arrears_fen=owed[scheme].arrears_fen,
            current_base_fen=enrolment.current_base_fen,
            last_period=enrolment.last_period,
        )
        for scheme, enrolment in sorted(current.items(), key=lambda item: SCHEME_ORDER[item[0]])
    ]
    benefits = [
        BenefitSummary(
            id=benefit.id,
            kind=benefit.kind,
            monthly_amount_fen=benefit.monthly_amount_fen,
            first_period=benefit.first_period,
            last_period=benefit.last_period,
            last_paid_period=benefit.last_paid_period,
        )
        for benefit in paying
    ]
    return InsuranceSummary(resident_id=resident_id, schemes=schemes, benefits=benefits)


def summary(session: Session, resident_id: int) -> InsuranceSummary:
    """The insurance part of the resident summary: per scheme the current enrolment's
    status, months paid and counted (paid, deemed, carried in) and base, with the arrears
    of all the resident's enrolments of it; benefits being paid. Two indexed reads of a few
    rows each, however long the history (the enrolments keep their totals). No
    jurisdiction check and no audit: the caller (identify, a read route) has done both."""
    return summary_of(
        resident_id,
        EnrolmentRepository(session).of_resident(resident_id),
        BenefitRepository(session).being_paid(resident_id),
    )


def enrolment_holder(session: Session, enrolment_id: int) -> int | None:
    """Whose enrolment it is (None: no such enrolment); the caller checks who asks."""
    enrolment = EnrolmentRepository(session).get(enrolment_id)
    return enrolment.resident_id if enrolment else None


def coverage_by_platform(session: Session, path: str) -> dict[tuple[int, Scheme], int]:
    """Residents under ``path`` enrolled and paying, per platform and scheme (ledgers)."""
    return EnrolmentRepository(session).open_by_platform(path)
