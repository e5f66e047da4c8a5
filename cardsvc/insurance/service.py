"""Social insurance business: what an approved application does (enrol, declare, settle
arrears, change an enrolment, start a benefit, transfer, certify a retiree), the monthly
benefit payment run, the window's audited reads, the resident summary, and the regions'
base floors and caps.

Every function takes the session and never commits; the acting clerk's role and
jurisdiction over the resident are checked first (a resident outside it answers as one
that does not exist, the refusal audited); every change is audited. ``today`` may be
given (tests, the workflow's own clock); by default it is the service's date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.permissions import Actor, Permission, authorize
from cardsvc.employers import service as employers
from cardsvc.errors import ConflictError, InvalidDataError, NotFoundError
from cardsvc.insurance.models import (
    Benefit,
    BenefitPayment,
    ContributionLimit,
    ContributionPeriod,
    Enrolment,
    RelationTransfer,
    RetireeCertification,
)
from cardsvc.insurance.repository import (
    BenefitRepository,
    CertificationRepository,
    EnrolmentRepository,
    LimitRepository,
    TransferRepository,
)
from cardsvc.insurance.rules import (
    BENEFIT_BASIS,
    BENEFIT_NAMES,
    PENSIONS,
    SCHEME_NAMES,
    SCHEMES_OF,
    STATUS_NAMES,
    BenefitStatus,
    Category,
    CertificationMethod,
    ContributionBounds,
    ContributionStatus,
    EnrolmentEvent,
    EnrolmentStatus,
    Scheme,
    Totals,
    TransferDirection,
    TransferStatus,
    benefit_last_period,
    check_base,
    check_bounds,
    check_certification,
    check_declared_periods,
    check_enrolment,
    check_rates,
    check_resident_amount,
    check_resident_year,
    check_transfer_regions,
    contribution_amount,
    first_day,
    last_day,
    month_index,
    next_status,
    no_bounds,
    pension_start_allowed,
    period_at,
    period_of,
    period_text,
    periods_between,
    rate_decimal,
    rate_of,
    refuse_with_arrears,
    region_chain,
    region_prefix,
    totals,
    within_province,
    yuan,
)
from cardsvc.insurance.schemas import (
    ArrearsPayment,
    BenefitClaim,
    BenefitOut,
    BenefitSummary,
    CertificationInput,
    CertificationOut,
    ContributionOut,
    EmployeeContributions,
    EnrolmentChange,
    EnrolmentInput,
    EnrolmentOut,
    InsuranceRecords,
    InsuranceSummary,
    LimitsInput,
    ResidentContribution,
    SchemeSummary,
    TransferInput,
    TransferOut,
)
from cardsvc.kit.types import utcnow
from cardsvc.platforms.rules import path_region, region_path
from cardsvc.residents.models import Resident
from cardsvc.residents.service import resident_in_jurisdiction

_SCHEME_ORDER = {scheme: place for place, scheme in enumerate(Scheme)}


def _today(today: date | None) -> date:
    return today or date.today()


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
    employer = None if data.employer_id is None else employers.employer(session, data.employer_id)
    check_enrolment(
        data.category,
        data.scheme,
        has_employer=employer is not None,
        birth_date=resident.birth_date,
        enrolled_on=data.enrolled_on,
        today=_today(today),
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
    if not enrolment.enrolled_on <= data.effective_on <= _today(today):
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
        employer = employers.employer(session, data.employer_id)
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


def bounds_for(
    session: Session, region_code: str, year: int, scheme: Scheme, category: Category
) -> ContributionBounds:
    """The bounds that apply: the county's, else the city's, else the province's."""
    found = {
        limit.region_code: limit
        for limit in LimitRepository(session).find(
            region_chain(region_code), year, scheme, category
        )
    }
    for region in region_chain(region_code):
        if region in found:
            limit = found[region]
            return ContributionBounds(limit.floor_fen, limit.cap_fen, tuple(limit.grades_fen or ()))
    raise no_bounds(region_code, year, scheme)


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
    day = _today(today)
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
    if data.paid_on > _today(today):
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


# ---------------------------------------------------------------- benefits


def start_benefit(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    data: BenefitClaim,
    *,
    today: date | None = None,
) -> Benefit:
    """待遇申领, approved: a benefit paid monthly from ``first_period``. Pensions need the
    statutory age and the minimum months; unemployment benefit runs 12, 18 or 24 months
    by the months paid, after contributions stopped; arrears must be settled first."""
    resident = resident_in_jurisdiction(
        session, actor, data.resident_id, Permission.handle_insurance
    )
    day = _today(today)
    scheme, category = BENEFIT_BASIS[data.kind]
    enrolment = EnrolmentRepository(session).open_one(resident.id, scheme, lock=True)
    if enrolment is None or enrolment.category is not category:
        kind = "职工" if category is Category.employee else "城乡居民"
        raise InvalidDataError(
            f"没有{kind}{SCHEME_NAMES[scheme]}的参保记录，不能申领{BENEFIT_NAMES[data.kind]}",
            code="not_enrolled",
        )
    if (
        not period_of(enrolment.enrolled_on)
        <= data.first_period
        <= period_at(month_index(period_of(day)) + 1)
    ):
        raise InvalidDataError("待遇起始月份应在参保月份与下月之间", code="invalid_first_period")
    repository = BenefitRepository(session)
    same = PENSIONS if data.kind in PENSIONS else frozenset({data.kind})
    already = repository.paid_kind(resident.id, same)
    if already is not None:
        raise ConflictError(
            f"该人员正在领取{BENEFIT_NAMES[already.kind]}，不能重复领取", code="benefit_being_paid"
        )
    refuse_with_arrears(scheme, enrolment.months_in_arrears, enrolment.arrears_fen, "待遇申领")
    if data.kind in PENSIONS:
        pension_start_allowed(
            data.kind,
            sex=resident.sex,
            birth=resident.birth_date,
            track=data.female_track,
            first_period=data.first_period,
            months_counted=enrolment.months_counted,
        )
    if scheme is Scheme.unemployment and enrolment.status is EnrolmentStatus.active:
        raise InvalidDataError(
            "失业保险仍在缴费，须先办理暂停缴费（失业）后申领", code="still_employed"
        )
    last = benefit_last_period(data.kind, data.first_period, enrolment.months_counted, data.months)
    benefit = repository.add(
        Benefit(
            resident_id=resident.id,
            enrolment_id=enrolment.id,
            kind=data.kind,
            status=BenefitStatus.being_paid,
            monthly_amount_fen=data.monthly_amount_fen,
            first_period=data.first_period,
            last_period=last,
            months_paid=0,
            paid_fen=0,
            started_on=day,
        )
    )
    audit.change(
        "insurance.start_benefit",
        "benefit",
        benefit.id,
        None,
        {
            "resident_id": resident.id,
            "kind": data.kind.value,
            "monthly_amount_fen": data.monthly_amount_fen,
            "first": period_text(data.first_period),
            "last": None if last is None else period_text(last),
        },
    )
    return benefit


def pay_benefits(
    session: Session, audit: AuditTrail, period: int, *, paid_on: date, limit: int = 1000
) -> int:
    """One batch of the monthly payment run (待遇发放) for ``period``: each benefit being
    paid gets every month it is owed up to ``period`` (a month missed is paid late, 补发);
    benefits past their last month end. Returns how many benefits were paid: run again
    until it returns less than ``limit``."""
    repository = BenefitRepository(session)
    due = repository.due(period, limit=limit)
    payments = 0
    for benefit in due:
        start = benefit.first_period
        if benefit.last_paid_period is not None:
            start = period_at(month_index(benefit.last_paid_period) + 1)
        end = min(period, benefit.last_period or period)
        months = periods_between(start, end)
        for month in months:
            repository.add_payment(
                BenefitPayment(
                    benefit_id=benefit.id,
                    period=month,
                    amount_fen=benefit.monthly_amount_fen,
                    paid_on=paid_on,
                )
            )
        benefit.months_paid += len(months)
        benefit.paid_fen += len(months) * benefit.monthly_amount_fen
        benefit.last_paid_period = end
        payments += len(months)
    session.flush()
    ended = repository.end_past(period)
    audit.record(
        "insurance.pay_benefits",
        "period",
        period,
        payload={"benefits": len(due), "payments": payments, "ended": ended},
    )
    return len(due)


# ---------------------------------------------------------------- transfers


def transfer_relation(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    data: TransferInput,
    *,
    today: date | None = None,
) -> RelationTransfer:
    """关系转移接续 (see ``TransferInput``): out of a region with the months counted so far
    (arrears settled first), or into the resident's open enrolment here."""
    resident = resident_in_jurisdiction(
        session, actor, data.resident_id, Permission.handle_insurance
    )
    day = _today(today)
    if data.effective_on > day:
        raise InvalidDataError("转移日期不能晚于今天", code="invalid_effective_date")
    enrolment = EnrolmentRepository(session).open_one(resident.id, data.scheme, lock=True)
    if data.direction is TransferDirection.out:
        transfer = _transfer_out(session, resident, enrolment, data)
    else:
        transfer = _transfer_in(session, resident, enrolment, data)
    audit.change(
        f"insurance.transfer_{data.direction.value}",
        "relation_transfer",
        transfer.id,
        None,
        {
            "resident_id": resident.id,
            "scheme": data.scheme.value,
            "from": transfer.from_region,
            "to": transfer.to_region,
            "months": transfer.months_carried,
            "status": transfer.status.value,
        },
    )
    return transfer


def _transfer_out(
    session: Session, resident: Resident, enrolment: Enrolment | None, data: TransferInput
) -> RelationTransfer:
    if enrolment is None:
        raise InvalidDataError(
            f"没有可转出的{SCHEME_NAMES[data.scheme]}参保记录", code="not_enrolled"
        )
    if data.other_region is None or data.transfer_id is not None or data.months_carried is not None:
        raise InvalidDataError(
            "转出须填写转入地（other_region），不填转移记录和月数", code="invalid_transfer"
        )
    check_transfer_regions(enrolment.region_code, data.other_region)
    if data.effective_on < enrolment.enrolled_on:
        raise InvalidDataError("转移日期不能早于参保日期", code="invalid_effective_date")
    refuse_with_arrears(
        enrolment.scheme, enrolment.months_in_arrears, enrolment.arrears_fen, "关系转移"
    )
    if BenefitRepository(session).paid_kind(
        resident.id,
        (kind for kind, (scheme, _) in BENEFIT_BASIS.items() if scheme is enrolment.scheme),
    ):
        raise ConflictError("正在领取该险种待遇，不能转移", code="benefit_being_paid")
    enrolment.status = next_status(enrolment.status, EnrolmentEvent.transfer_out)
    enrolment.status_changed_on = data.effective_on
    in_province = within_province(enrolment.region_code, data.other_region)
    return TransferRepository(session).add(
        RelationTransfer(
            resident_id=resident.id,
            scheme=enrolment.scheme,
            direction=TransferDirection.out,
            from_region=enrolment.region_code,
            to_region=data.other_region,
            months_carried=enrolment.months_counted,
            status=TransferStatus.in_transit if in_province else TransferStatus.completed,
            started_on=data.effective_on,
            completed_on=None if in_province else data.effective_on,
            outgoing_enrolment_id=enrolment.id,
        )
    )


def _transfer_in(
    session: Session, resident: Resident, enrolment: Enrolment | None, data: TransferInput
) -> RelationTransfer:
    if enrolment is None:
        raise InvalidDataError(
            f"请先办理{SCHEME_NAMES[data.scheme]}参保登记，再接续转入的缴费年限",
            code="not_enrolled",
        )
    repository = TransferRepository(session)
    if data.transfer_id is not None:
        if data.other_region is not None or data.months_carried is not None:
            raise InvalidDataError(
                "接续省内转移只填转移记录，月数以转出地为准", code="invalid_transfer"
            )
        transfer = repository.get(data.transfer_id, lock=True)
        if (
            transfer is None
            or transfer.resident_id != resident.id
            or transfer.scheme is not data.scheme
            or transfer.direction is not TransferDirection.out
        ):
            raise NotFoundError("转移记录不存在", code="transfer_not_found")
        if transfer.status is not TransferStatus.in_transit:
            raise ConflictError("该转移已接续", code="transfer_completed")
        if transfer.to_region != enrolment.region_code:
            raise InvalidDataError(
                f"该转移的转入地为{transfer.to_region}，与本次参保地不符", code="region_differs"
            )
        transfer.status = TransferStatus.completed
        transfer.completed_on = data.effective_on
        transfer.incoming_enrolment_id = enrolment.id
    else:
        if data.other_region is None or data.months_carried is None:
            raise InvalidDataError("外省转入须填写转出地和转移的缴费月数", code="invalid_transfer")
        if within_province(data.other_region, enrolment.region_code):
            raise InvalidDataError(
                "省内转移请选择转出地的转移记录接续", code="transfer_id_required"
            )
        transfer = repository.add(
            RelationTransfer(
                resident_id=resident.id,
                scheme=data.scheme,
                direction=TransferDirection.in_,
                from_region=data.other_region,
                to_region=enrolment.region_code,
                months_carried=data.months_carried,
                status=TransferStatus.completed,
                started_on=data.effective_on,
                completed_on=data.effective_on,
                incoming_enrolment_id=enrolment.id,
            )
        )
    enrolment.months_carried_in += transfer.months_carried
    session.flush()
    return transfer


# ---------------------------------------------------------------- certification


def certify_retiree(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    data: CertificationInput,
    *,
    today: date | None = None,
) -> RetireeCertification:
    """资格认证: a retiree drawing a pension is certified alive and entitled for a year,
    once a year; at a window, the clerk's window is recorded."""
    resident = resident_in_jurisdiction(
        session, actor, data.resident_id, Permission.handle_insurance
    )
    pension = BenefitRepository(session).paid_kind(resident.id, PENSIONS)
    if pension is None:
        raise InvalidDataError("该人员没有正在领取的养老金，无需资格认证", code="no_pension")
    check_certification(data.year, data.certified_on, pension.first_period, _today(today))
    repository = CertificationRepository(session)
    if repository.for_year(resident.id, data.year) is not None:
        raise ConflictError(f"{data.year}年度已完成资格认证", code="already_certified")
    certification = repository.add(
        RetireeCertification(
            resident_id=resident.id,
            benefit_id=pension.id,
            year=data.year,
            certified_on=data.certified_on,
            method=data.method,
            window_id=None if data.method is CertificationMethod.online else actor.window_id,
            clerk_id=actor.clerk_id,
        )
    )
    audit.change(
        "insurance.certify",
        "certification",
        certification.id,
        None,
        {"resident_id": resident.id, "year": data.year, "method": data.method.value},
    )
    return certification


# ---------------------------------------------------------------- reads


def _summary(
    resident_id: int, enrolments: Sequence[Enrolment], paying: Sequence[Benefit]
) -> InsuranceSummary:
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
            months_paid=enrolment.months_counted,
            months_in_arrears=owed[scheme].months_in_arrears,
            arrears_fen=owed[scheme].arrears_fen,
            current_base_fen=enrolment.current_base_fen,
            last_period=enrolment.last_period,
        )
        for scheme, enrolment in sorted(current.items(), key=lambda item: _SCHEME_ORDER[item[0]])
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
    status, months counted (paid, deemed, carried in) and base, with the arrears of all the
    resident's enrolments of it; benefits being paid. Two indexed reads of a few rows each,
    however long the history (the enrolments keep their totals). No jurisdiction check and
    no audit: the caller (identify, a read route) has done both."""
    return _summary(
        resident_id,
        EnrolmentRepository(session).of_resident(resident_id),
        BenefitRepository(session).being_paid(resident_id),
    )


def insurance_records(
    session: Session, actor: Actor, audit: AuditTrail, resident_id: int, purpose: str
) -> InsuranceRecords:
    """Everything but the contribution rows (paged apart): audited with the purpose."""
    resident = resident_in_jurisdiction(
        session, actor, resident_id, Permission.read_insurance, purpose
    )
    audit.read("insurance", resident.id, purpose)
    enrolments = EnrolmentRepository(session).of_resident(resident.id)
    benefits = BenefitRepository(session).of_resident(resident.id)
    paying = [benefit for benefit in benefits if benefit.status is BenefitStatus.being_paid]
    return InsuranceRecords(
        summary=_summary(
            resident.id, enrolments, sorted(paying, key=lambda b: (b.first_period, b.id))
        ),
        enrolments=[
            EnrolmentOut(
                id=e.id,
                scheme=e.scheme,
                category=e.category,
                status=e.status,
                region_code=e.region_code,
                employer_id=e.employer_id,
                enrolled_on=e.enrolled_on,
                status_changed_on=e.status_changed_on,
                months_paid=e.months_paid,
                months_deemed=e.months_deemed,
                months_carried_in=e.months_carried_in,
                months_in_arrears=e.months_in_arrears,
                arrears_fen=e.arrears_fen,
                current_base_fen=e.current_base_fen,
                last_period=e.last_period,
            )
            for e in sorted(enrolments, key=lambda e: (_SCHEME_ORDER[e.scheme], e.enrolled_on))
        ],
        benefits=[
            BenefitOut(
                id=b.id,
                kind=b.kind,
                status=b.status,
                monthly_amount_fen=b.monthly_amount_fen,
                first_period=b.first_period,
                last_period=b.last_period,
                months_paid=b.months_paid,
                paid_fen=b.paid_fen,
                last_paid_period=b.last_paid_period,
                started_on=b.started_on,
            )
            for b in benefits
        ],
        transfers=[
            TransferOut(
                id=t.id,
                scheme=t.scheme,
                direction=t.direction,
                from_region=t.from_region,
                to_region=t.to_region,
                months_carried=t.months_carried,
                status=t.status,
                started_on=t.started_on,
                completed_on=t.completed_on,
            )
            for t in TransferRepository(session).of_resident(resident.id)
        ],
        certifications=[
            CertificationOut(
                year=c.year, certified_on=c.certified_on, method=c.method, window_id=c.window_id
            )
            for c in CertificationRepository(session).of_resident(resident.id)
        ],
    )


def contribution_history(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    resident_id: int,
    purpose: str,
    *,
    scheme: Scheme | None,
    first: int | None,
    last: int | None,
    limit: int,
    offset: int,
) -> list[ContributionOut]:
    """A resident's contribution rows, oldest month first, of one scheme or all, within a
    period range; audited with the purpose and the range."""
    resident = resident_in_jurisdiction(
        session, actor, resident_id, Permission.read_insurance, purpose
    )
    if first is not None and last is not None and last < first:
        raise InvalidDataError("终止月份不能早于起始月份", code="invalid_periods")
    audit.read(
        "contributions",
        resident.id,
        purpose,
        scheme=None if scheme is None else scheme.value,
        first=None if first is None else period_text(first),
        last=None if last is None else period_text(last),
        offset=offset,
    )
    repository = EnrolmentRepository(session)
    enrolment_ids = repository.ids_of(resident.id, scheme)
    if not enrolment_ids:
        return []
    return [
        ContributionOut(
            enrolment_id=row.enrolment_id,
            scheme=row_scheme,
            period=row.period,
            months=row.months,
            employer_id=row.employer_id,
            base_fen=row.base_fen,
            employer_rate=rate_decimal(row.employer_rate),
            personal_rate=rate_decimal(row.personal_rate),
            employer_amount_fen=row.employer_amount_fen,
            personal_amount_fen=row.personal_amount_fen,
            status=row.status,
            paid_on=row.paid_on,
        )
        for row, row_scheme in repository.history(
            enrolment_ids, first, last, limit=limit, offset=offset
        )
    ]


# ---------------------------------------------------------------- floors and caps


def set_limits(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    region_code: str,
    year: int,
    category: Category,
    scheme: Scheme,
    data: LimitsInput,
) -> tuple[ContributionLimit, bool]:
    """Set a region's bounds for a year (within the administrator's jurisdiction); the
    limit and whether it is new."""
    authorize(actor, Permission.manage_contribution_limits, region_path(region_code))
    if scheme not in SCHEMES_OF[category]:
        raise InvalidDataError(
            f"城乡居民没有{SCHEME_NAMES[scheme]}，不设缴费档次", code="scheme_not_for_category"
        )
    bounds = ContributionBounds(data.floor_fen, data.cap_fen, tuple(data.grades_fen or ()))
    check_bounds(category, bounds)
    repository = LimitRepository(session)
    limit = repository.get(region_code, year, scheme, category)
    before = None if limit is None else _limit_snapshot(limit)
    if limit is None:
        limit = repository.add(
            ContributionLimit(
                region_code=region_code,
                year=year,
                scheme=scheme,
                category=category,
                floor_fen=bounds.floor_fen,
                cap_fen=bounds.cap_fen,
                grades_fen=list(bounds.grades_fen) or None,
            )
        )
    else:
        limit.floor_fen, limit.cap_fen = bounds.floor_fen, bounds.cap_fen
        limit.grades_fen = list(bounds.grades_fen) or None
        limit.changed_at = utcnow()
        session.flush()
    audit.change("insurance.limits", "contribution_limit", limit.id, before, _limit_snapshot(limit))
    return limit, before is None


def _limit_snapshot(limit: ContributionLimit) -> dict[str, object]:
    return {
        "region_code": limit.region_code,
        "year": limit.year,
        "scheme": limit.scheme.value,
        "category": limit.category.value,
        "floor": yuan(limit.floor_fen),
        "cap": yuan(limit.cap_fen),
        "grades_fen": limit.grades_fen,
    }


def list_limits(
    session: Session, actor: Actor, *, year: int | None, limit: int, offset: int
) -> Sequence[ContributionLimit]:
    """The bounds of the administrator's region, the regions inside it and the regions
    above it (which apply where a region sets none), newest year first."""
    authorize(actor, Permission.manage_contribution_limits)
    region = path_region(actor.platform_path)
    return LimitRepository(session).visible(
        region_prefix(region), region_chain(region)[1:], year, limit=limit, offset=offset
    )
