"""The window's reads of a resident's insurance records, each audited with its purpose:
the summary alone (what a window shows after a tap), the records with their summary, and
the contribution history by scheme and months."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.permissions import Actor, Permission
from cardsvc.errors import InvalidDataError
from cardsvc.insurance.models import ContributionPeriod
from cardsvc.insurance.repository import (
    BenefitRepository,
    CertificationRepository,
    EnrolmentRepository,
    TransferRepository,
)
from cardsvc.insurance.rules import (
    SCHEME_ORDER,
    BenefitStatus,
    Scheme,
    period_text,
    rate_decimal,
)
from cardsvc.insurance.schemas import (
    BenefitOut,
    CertificationOut,
    ContributionOut,
    EnrolmentOut,
    InsuranceRecords,
    InsuranceSummary,
    TransferOut,
)
from cardsvc.insurance.service import summary, summary_of
from cardsvc.kit.pagination import PageRequest, Slice
from cardsvc.residents.service import resident_in_jurisdiction


def insurance_summary(
    session: Session, actor: Actor, audit: AuditTrail, resident_id: int, purpose: str
) -> InsuranceSummary:
    """The resident's insurance summary (``service.summary``): audited with the purpose."""
    resident = resident_in_jurisdiction(
        session, actor, resident_id, Permission.read_insurance, purpose
    )
    audit.read("insurance", resident.id, purpose, view="summary")
    return summary(session, resident.id)


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
        summary=summary_of(
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
            for e in sorted(enrolments, key=lambda e: (SCHEME_ORDER[e.scheme], e.enrolled_on))
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
    page: PageRequest,
    *,
    scheme: Scheme | None,
    first: int | None,
    last: int | None,
) -> Slice[ContributionOut]:
    """A page of a resident's contribution rows, oldest month first, of one scheme or all,
    within a period range; audited with the purpose, the range and the offset."""
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
        offset=page.offset,
    )
    repository = EnrolmentRepository(session)
    schemes = repository.schemes_of(resident.id, scheme)
    if not schemes:
        return Slice([], 0, True, False, page)
    found = repository.history(list(schemes), first, last, page)
    return found.map(lambda row: _contribution_out(row, schemes[row.enrolment_id]))


def _contribution_out(row: ContributionPeriod, scheme: Scheme) -> ContributionOut:
    return ContributionOut(
        enrolment_id=row.enrolment_id,
        scheme=scheme,
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
