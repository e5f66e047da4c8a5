"""Taking labour cases at a window and following them to their outcome.

Any window may take a complaint or a mediation request from a resident of its
jurisdiction; the street (township) centre covering it handles the case: each progress
entry records who, where, when and what, and a case is closed with an outcome.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.permissions import Actor, Permission, authorize, authorize_reach
from cardsvc.employers.rules import parse_uscc
from cardsvc.kit.pagination import PageRequest, Slice, paginate
from cardsvc.labour.models import CaseProgress, LabourCase
from cardsvc.labour.repository import LabourRepository
from cardsvc.labour.rules import CaseStatus, case_due_at, check_move
from cardsvc.labour.schemas import CaseCreate, CaseListItem, CaseOut, ProgressRequest
from cardsvc.residents.service import resident_in_jurisdiction


def take_case(
    session: Session, actor: Actor, audit: AuditTrail, data: CaseCreate, now: datetime
) -> LabourCase:
    authorize(actor, Permission.take_labour_case, subject=("resident", data.resident_id))
    resident = resident_in_jurisdiction(
        session, actor, data.resident_id, Permission.take_labour_case
    )
    case = LabourCase(
        kind=data.kind,
        resident_id=resident.id,
        employer_name=data.employer_name,
        employer_credit_code=(
            parse_uscc(data.employer_credit_code) if data.employer_credit_code else None
        ),
        summary=data.summary,
        amount_claimed_fen=data.amount_claimed_fen,
        status=CaseStatus.received,
        platform_id=actor.platform_id,
        received_at=now,
        due_at=case_due_at(data.kind, now),
    )
    repository = LabourRepository(session)
    repository.add(case)
    _progress(repository, case, actor, CaseStatus.received, "窗口受理", now)
    audit.change(
        "labour_case.take",
        "labour_case",
        case.id,
        None,
        {"kind": case.kind, "resident_id": resident.id, "status": case.status},
    )
    return case


def _progress(
    repository: LabourRepository,
    case: LabourCase,
    actor: Actor,
    status: CaseStatus,
    note: str,
    now: datetime,
) -> None:
    entry = CaseProgress(
        case=case,  # joins case.progress (back_populates)
        status_after=status,
        clerk_id=actor.clerk_id,
        window_id=actor.window_id,
        platform_id=actor.platform_id,
        at=now,
        note=note,
    )
    repository.add(entry)


def _in_jurisdiction(
    session: Session, actor: Actor, case_id: int, permission: Permission
) -> LabourCase:
    subject = ("labour_case", case_id)
    authorize(actor, permission, subject=subject)
    case = LabourRepository(session).get(case_id)
    path = case.platform.path if case else None
    authorize_reach(actor, permission, subject, path, ("案件不存在", "case_not_found"))
    assert case is not None  # noqa: S101 - reached
    return case


def record_progress(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    case_id: int,
    data: ProgressRequest,
    now: datetime,
) -> LabourCase:
    case = _in_jurisdiction(session, actor, case_id, Permission.handle_labour_case)
    check_move(case.kind, case.status, data.status, data.outcome)
    before = case.status
    case.status = data.status
    if data.status is CaseStatus.closed:
        case.outcome, case.closed_at = data.outcome, now
    _progress(LabourRepository(session), case, actor, data.status, data.note, now)
    audit.change(
        "labour_case.progress",
        "labour_case",
        case.id,
        {"status": before},
        {"status": case.status, "outcome": case.outcome},
    )
    return case


def read_case(
    session: Session, actor: Actor, audit: AuditTrail, case_id: int, purpose: str, now: datetime
) -> CaseOut:
    case = _in_jurisdiction(session, actor, case_id, Permission.read_labour_cases)
    audit.read("labour_case", case.id, purpose)
    return case_out(case, now)


def case_out(case: LabourCase, now: datetime) -> CaseOut:
    out = CaseOut.model_validate(case)
    out.overdue = case.status is not CaseStatus.closed and now > case.due_at
    return out


def cases(
    session: Session,
    actor: Actor,
    now: datetime,
    page: PageRequest,
    *,
    status: CaseStatus | None,
    overdue_only: bool,
) -> Slice[CaseListItem]:
    authorize(actor, Permission.read_labour_cases, subject=("labour_cases", actor.platform_id))
    statement = LabourRepository(session).within(
        actor.platform_path, status=status, overdue_at=now if overdue_only else None
    )
    return paginate(session, statement, page).map(lambda row: _list_item(row, now))


def _list_item(case: LabourCase, now: datetime) -> CaseListItem:
    return CaseListItem(
        id=case.id,
        kind=case.kind,
        resident_id=case.resident_id,
        employer_name=case.employer_name,
        status=case.status,
        platform_id=case.platform_id,
        received_at=case.received_at,
        due_at=case.due_at,
        overdue=case.status is not CaseStatus.closed and now > case.due_at,
    )


def open_cases(session: Session, resident_id: int, now: datetime) -> list[CaseListItem]:
    """A resident's cases not yet closed (for the resident summary)."""
    return [_list_item(row, now) for row in LabourRepository(session).open_of_resident(resident_id)]


def case_ids_of(session: Session, resident_id: int) -> list[int]:
    return [case.id for case in LabourRepository(session).of_resident(resident_id)]


def windows_of_case(session: Session, case_id: int) -> set[int]:
    """The windows where a case was taken or handled (empty: no such case)."""
    case = LabourRepository(session).get(case_id)
    return {entry.window_id for entry in case.progress} if case else set()
