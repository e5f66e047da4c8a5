"""Benefits: starting one when a claim is approved (待遇申领), the monthly payment run
(待遇发放), and retirees' yearly qualification certification (资格认证). As in
``service``: the session, the clerk, a validated input; never a commit; audited."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.permissions import Actor, Permission
from cardsvc.errors import ConflictError, InvalidDataError
from cardsvc.insurance.models import (
    Benefit,
    BenefitPayment,
    RetireeCertification,
)
from cardsvc.insurance.repository import (
    BenefitRepository,
    CertificationRepository,
    EnrolmentRepository,
)
from cardsvc.insurance.rules import (
    BENEFIT_BASIS,
    BENEFIT_NAMES,
    PENSIONS,
    SCHEME_NAMES,
    BenefitStatus,
    Category,
    CertificationMethod,
    EnrolmentStatus,
    Scheme,
    benefit_last_period,
    check_certification,
    month_index,
    pension_start_allowed,
    period_at,
    period_of,
    period_text,
    periods_between,
    refuse_with_arrears,
)
from cardsvc.insurance.schemas import (
    BenefitClaim,
    CertificationInput,
)
from cardsvc.kit.calendar import china_day
from cardsvc.kit.types import utcnow
from cardsvc.residents.service import resident_in_jurisdiction

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
    day = today or china_day(utcnow())
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
    check_certification(
        data.year, data.certified_on, pension.first_period, (today or china_day(utcnow()))
    )
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
