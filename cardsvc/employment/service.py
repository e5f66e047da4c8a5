"""Recording employment business once approved, and reading a resident's employment.

The workflow calls ``ITEMS``' checks when a window takes an application and again, with
the recording, at approval: the rules hold on the day each step is taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.permissions import Actor, Permission
from cardsvc.employment.models import (
    EmploymentRegistration,
    EntrepreneurshipService,
    GuaranteedLoan,
    HardshipRecognition,
    SkillRecord,
)
from cardsvc.employment.repository import EmploymentRepository
from cardsvc.employment.rules import (
    RegistrationKind,
    certificate_number,
    check_hardship,
    check_loan,
    check_working_age,
)
from cardsvc.employment.schemas import (
    EmploymentRecord,
    EmploymentRegistrationDetails,
    EmploymentStatus,
    EntrepreneurshipOut,
    EntrepreneurshipServiceDetails,
    GuaranteedLoanDetails,
    HardshipOut,
    HardshipRecognitionDetails,
    LoanOut,
    RegistrationOut,
    SkillOut,
    SkillRecordDetails,
    UnemploymentRegistrationDetails,
)
from cardsvc.errors import ConflictError, InvalidDataError
from cardsvc.kit.calendar import add_years
from cardsvc.residents.rules import Sex
from cardsvc.residents.service import resident_in_jurisdiction

HARDSHIP_VALID_YEARS = 3


@dataclass(frozen=True)
class Subject:
    """Whose business it is, where and when: what every employment rule needs."""

    resident_id: int
    birth_date: date
    sex: Sex
    platform_id: int  # the platform the record belongs to (where it was taken)
    region_code: str  # that platform's county
    on: date  # the day of the step (China time)
    application_id: int | None = None


def _not_future(day: date, today: date, what: str) -> None:
    if day > today:
        raise InvalidDataError(f"{what}不能晚于今天", code="date_in_future")


def check_employment(session: Session, who: Subject, data: EmploymentRegistrationDetails) -> None:
    _not_future(data.started_on, who.on, "就业日期")
    check_working_age(who.birth_date, who.sex, data.started_on)
    current = EmploymentRepository(session).open_registration(who.resident_id)
    if current is not None and data.started_on < current.registered_on:
        raise InvalidDataError("就业日期早于当前登记日期", code="date_before_current_registration")


def register_employment(
    session: Session, who: Subject, data: EmploymentRegistrationDetails
) -> EmploymentRegistration:
    """就业登记: the open registration (a job or unemployment) ends the day the job starts."""
    check_employment(session, who, data)
    repository = EmploymentRepository(session)
    current = repository.open_registration(who.resident_id)
    if current is not None:
        current.ended_on = data.started_on
    return _add_registration(
        repository,
        who,
        RegistrationKind.employment,
        data.started_on,
        employer_name=data.employer_name,
    )


def check_unemployment(
    session: Session, who: Subject, data: UnemploymentRegistrationDetails
) -> None:
    _not_future(data.unemployed_since, who.on, "失业日期")
    check_working_age(who.birth_date, who.sex, who.on)
    current = EmploymentRepository(session).open_registration(who.resident_id)
    if current is not None and current.kind is RegistrationKind.unemployment:
        raise ConflictError("该人员已办理失业登记，无需重复办理", code="already_unemployed")
    if current is not None and data.unemployed_since < current.registered_on:
        raise InvalidDataError("失业日期早于就业登记日期", code="date_before_current_registration")


def register_unemployment(
    session: Session, who: Subject, data: UnemploymentRegistrationDetails
) -> EmploymentRegistration:
    """失业登记: the open employment registration ends the day unemployment began."""
    check_unemployment(session, who, data)
    repository = EmploymentRepository(session)
    current = repository.open_registration(who.resident_id)
    if current is not None:
        current.ended_on = data.unemployed_since
    return _add_registration(
        repository, who, RegistrationKind.unemployment, who.on, reason=data.reason
    )


def _add_registration(
    repository: EmploymentRepository,
    who: Subject,
    kind: RegistrationKind,
    registered_on: date,
    *,
    employer_name: str | None = None,
    reason: str | None = None,
) -> EmploymentRegistration:
    sequence = repository.next_certificate_sequence(who.region_code, who.on.year)
    record = EmploymentRegistration(
        resident_id=who.resident_id,
        kind=kind,
        certificate_number=certificate_number(who.region_code, who.on.year, sequence),
        registered_on=registered_on,
        employer_name=employer_name,
        reason=reason,
        platform_id=who.platform_id,
        application_id=who.application_id,
    )
    repository.add(record)
    return record


def check_hardship_recognition(
    session: Session, who: Subject, data: HardshipRecognitionDetails
) -> None:
    repository = EmploymentRepository(session)
    current = repository.open_registration(who.resident_id)
    if current is None or current.kind is not RegistrationKind.unemployment:
        raise InvalidDataError("就业困难人员认定须先办理失业登记", code="not_registered_unemployed")
    check_hardship(data.category, who.birth_date, who.sex, who.on)
    if repository.current_hardship(who.resident_id, who.on) is not None:
        raise ConflictError("该人员已认定为就业困难人员，且在有效期内", code="already_recognised")


def recognise_hardship(
    session: Session, who: Subject, data: HardshipRecognitionDetails
) -> HardshipRecognition:
    """就业困难人员认定, valid for three years."""
    check_hardship_recognition(session, who, data)
    until = add_years(who.on, HARDSHIP_VALID_YEARS)
    record = HardshipRecognition(
        resident_id=who.resident_id,
        category=data.category,
        measures=[measure.value for measure in data.measures],
        recognised_on=who.on,
        valid_until=until - timedelta(days=1),
        platform_id=who.platform_id,
        application_id=who.application_id,
    )
    EmploymentRepository(session).add(record)
    return record


def check_guaranteed_loan(session: Session, who: Subject, data: GuaranteedLoanDetails) -> None:
    check_loan(data.amount_fen, data.term_months)
    check_working_age(who.birth_date, who.sex, who.on)


def approve_guaranteed_loan(
    session: Session, who: Subject, data: GuaranteedLoanDetails
) -> GuaranteedLoan:
    check_guaranteed_loan(session, who, data)
    record = GuaranteedLoan(
        resident_id=who.resident_id,
        amount_fen=data.amount_fen,
        term_months=data.term_months,
        business_name=data.business_name,
        approved_on=who.on,
        platform_id=who.platform_id,
        application_id=who.application_id,
    )
    EmploymentRepository(session).add(record)
    return record


def check_skill(session: Session, who: Subject, data: SkillRecordDetails) -> None:
    _not_future(data.completed_on, who.on, "结业日期")
    certified = (data.occupation, data.level, data.certificate_number)
    if any(value is not None for value in certified) and None in certified:
        raise InvalidDataError(
            "职业技能等级证书须同时填写职业、等级和证书编号", code="incomplete_certificate"
        )
    if data.certificate_number and EmploymentRepository(session).certificate_taken(
        data.certificate_number
    ):
        raise ConflictError("该证书编号已登记", code="certificate_exists")


def record_skill(session: Session, who: Subject, data: SkillRecordDetails) -> SkillRecord:
    check_skill(session, who, data)
    record = SkillRecord(
        resident_id=who.resident_id,
        course=data.course,
        institution=data.institution,
        completed_on=data.completed_on,
        occupation=data.occupation,
        level=data.level,
        certificate_number=data.certificate_number,
        platform_id=who.platform_id,
        application_id=who.application_id,
    )
    EmploymentRepository(session).add(record)
    return record


def check_entrepreneurship(
    session: Session, who: Subject, data: EntrepreneurshipServiceDetails
) -> None:
    """Any resident may be given entrepreneurship services."""


def record_entrepreneurship(
    session: Session, who: Subject, data: EntrepreneurshipServiceDetails
) -> EntrepreneurshipService:
    record = EntrepreneurshipService(
        resident_id=who.resident_id,
        kind=data.kind,
        given_on=who.on,
        note=data.note,
        platform_id=who.platform_id,
        application_id=who.application_id,
    )
    EmploymentRepository(session).add(record)
    return record


def employment_states(
    session: Session, resident_ids: set[int], today: date
) -> dict[int, EmploymentStatus]:
    """Each resident's employment status (two statements for any number of residents)."""
    repository = EmploymentRepository(session)
    registrations = {r.resident_id: r for r in repository.open_registrations(resident_ids)}
    hardships = {h.resident_id: h for h in repository.current_hardships(resident_ids, today)}
    return {
        resident_id: EmploymentStatus(
            state=registrations[resident_id].kind if resident_id in registrations else None,
            since=(
                registrations[resident_id].registered_on if resident_id in registrations else None
            ),
            hardship=hardships[resident_id].category if resident_id in hardships else None,
        )
        for resident_id in resident_ids
    }


def employment_status(session: Session, resident_id: int, today: date) -> EmploymentStatus:
    return employment_states(session, {resident_id}, today)[resident_id]


def read_employment(
    session: Session, actor: Actor, audit: AuditTrail, resident_id: int, purpose: str, today: date
) -> EmploymentRecord:
    """A resident's whole employment record, if in the clerk's jurisdiction (audited)."""
    resident = resident_in_jurisdiction(
        session, actor, resident_id, Permission.read_resident, purpose
    )
    audit.read("employment", resident.id, purpose)
    return employment_record(session, resident.id, today)


def employment_record(session: Session, resident_id: int, today: date) -> EmploymentRecord:
    """Everything about one resident's employment (the caller audits the read)."""
    repository = EmploymentRepository(session)

    def rows(model: type[object]) -> list[object]:
        return list(repository.of_resident(model, resident_id))

    return EmploymentRecord(
        status=employment_status(session, resident_id, today),
        registrations=[RegistrationOut.model_validate(r) for r in rows(EmploymentRegistration)],
        hardship=[HardshipOut.model_validate(r) for r in rows(HardshipRecognition)],
        loans=[LoanOut.model_validate(r) for r in rows(GuaranteedLoan)],
        skills=[SkillOut.model_validate(r) for r in rows(SkillRecord)],
        entrepreneurship=[
            EntrepreneurshipOut.model_validate(r) for r in rows(EntrepreneurshipService)
        ],
    )


def registrations_by_platform(
    session: Session, path: str, today: date
) -> dict[tuple[int, str], int]:
    """Per platform under ``path``: open employment and unemployment registrations, and
    residents recognised in employment hardship (ledgers)."""
    return EmploymentRepository(session).registered_by_platform(path, today)
