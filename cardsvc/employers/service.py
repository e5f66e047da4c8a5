"""The employer ledger (registered, read and listed within jurisdiction) and residents'
employment relations (started and ended at a window, read audited).

Employers are not personal data: reading one needs the role and jurisdiction, not a
purpose. A resident's employment relations are: they are read like the resident's
record. An employment relation may name any employer of the province (people work
outside the community where they live); the resident must be within the clerk's
jurisdiction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.permissions import Actor, Permission, authorize
from cardsvc.employers.models import Employer, EmploymentRelation
from cardsvc.employers.repository import EmployerRepository, EmploymentRepository
from cardsvc.employers.rules import (
    check_employment_end,
    check_employment_span,
    overlaps,
    parse_uscc,
)
from cardsvc.employers.schemas import (
    EmployerCreate,
    EmployerOut,
    EmploymentEnd,
    EmploymentRelationOut,
    EmploymentStart,
)
from cardsvc.errors import ConflictError, InvalidDataError, NotFoundError
from cardsvc.kit.calendar import china_day
from cardsvc.kit.pagination import PageRequest, Slice
from cardsvc.kit.types import utcnow
from cardsvc.platforms.rules import Level
from cardsvc.platforms.service import get_platform
from cardsvc.residents.service import resident_in_jurisdiction

_LEDGER_LEVELS = frozenset({Level.street, Level.community})


def _not_found() -> NotFoundError:
    return NotFoundError("用人单位不存在", code="employer_not_found")


def register_employer(
    session: Session, actor: Actor, audit: AuditTrail, data: EmployerCreate
) -> Employer:
    """A new employer in the ledger of a street centre or community station."""
    platform = get_platform(session, actor, data.platform_id)
    authorize(actor, Permission.register_employer, platform.path)
    if platform.level not in _LEDGER_LEVELS:
        raise InvalidDataError(
            "用人单位须登记在街道（乡镇）服务中心或社区（村）服务站", code="not_a_ledger_platform"
        )
    code = parse_uscc(data.unified_social_credit_code)
    repository = EmployerRepository(session)
    if repository.by_code(code) is not None:
        raise ConflictError("该统一社会信用代码已登记", code="employer_exists")
    employer = repository.add(
        Employer(
            unified_social_credit_code=code,
            name=data.name,
            region_code=platform.region_code,
            platform_id=platform.id,
            platform=platform,
        )
    )
    audit.change(
        "employer.register",
        "employer",
        employer.id,
        None,
        {"code": code, "name": employer.name, "platform_id": platform.id},
    )
    return employer


def read_employer(session: Session, actor: Actor, employer_id: int) -> Employer:
    """An employer within the clerk's jurisdiction; any other answers as one that does not exist."""
    authorize(actor, Permission.read_employer)
    employer = EmployerRepository(session).get(employer_id)
    if employer is None or not actor.covers(employer.platform.path):
        raise _not_found()
    return employer


def list_employers(session: Session, actor: Actor, page: PageRequest) -> Slice[EmployerOut]:
    """A page of the employers in the ledgers within the clerk's jurisdiction, oldest first."""
    authorize(actor, Permission.read_employer)
    found = EmployerRepository(session).within(actor.platform_path, page)
    return found.map(EmployerOut.model_validate)


def any_employer(session: Session, employer_id: int) -> Employer:
    """Any employer of the province, for a record that names it (no jurisdiction: an
    employer's ledger entry is public; the resident's jurisdiction is checked by the caller)."""
    found = EmployerRepository(session).get(employer_id)
    if found is None:
        raise _not_found()
    return found


def employed_throughout(
    session: Session, resident_id: int, employer_id: int, started_by: date, until: date
) -> bool:
    """Whether one employment relation with the employer began by ``started_by`` and lasted
    until ``until`` (or still runs)."""
    return EmploymentRepository(session).spanning(resident_id, employer_id, started_by, until)


def start_employment(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    data: EmploymentStart,
    *,
    today: date | None = None,
) -> EmploymentRelation:
    """Record that a resident works for an employer from ``started_on`` (用工登记)."""
    resident = resident_in_jurisdiction(
        session, actor, data.resident_id, Permission.record_employment
    )
    found = any_employer(session, data.employer_id)
    check_employment_span(data.started_on, None, resident.birth_date, today or china_day(utcnow()))
    repository = EmploymentRepository(session)
    for relation in repository.with_employer(resident.id, found.id):
        if overlaps((data.started_on, None), (relation.started_on, relation.ended_on)):
            raise ConflictError("该人员在该用人单位已有重叠的用工记录", code="employment_overlaps")
    relation = repository.add(
        EmploymentRelation(
            resident_id=resident.id,
            employer_id=found.id,
            employer=found,
            started_on=data.started_on,
        )
    )
    audit.change(
        "employment.start",
        "employment_relation",
        relation.id,
        None,
        {
            "resident_id": resident.id,
            "employer_id": found.id,
            "started_on": data.started_on.isoformat(),
        },
    )
    return relation


def end_employment(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    relation_id: int,
    data: EmploymentEnd,
    *,
    today: date | None = None,
) -> EmploymentRelation:
    """Record the last day of an employment relation (解除或终止劳动关系)."""
    repository = EmploymentRepository(session)
    relation = repository.get(relation_id, lock=True)
    if relation is None:
        raise NotFoundError("用工记录不存在", code="employment_not_found")
    try:
        resident_in_jurisdiction(session, actor, relation.resident_id, Permission.record_employment)
    except NotFoundError as hidden:
        raise NotFoundError(
            "用工记录不存在", code="employment_not_found", refusal=hidden.refusal
        ) from None
    if relation.ended_on is not None:
        raise ConflictError("该用工记录已终止", code="employment_ended")
    check_employment_end(relation.started_on, data.ended_on, today or china_day(utcnow()))
    relation.ended_on = data.ended_on
    session.flush()
    audit.change(
        "employment.end",
        "employment_relation",
        relation.id,
        {"ended_on": None},
        {"ended_on": data.ended_on.isoformat()},
    )
    return relation


def employment_relations(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    resident_id: int,
    purpose: str,
    page: PageRequest,
) -> Slice[EmploymentRelationOut]:
    """A page of a resident's employment relations, oldest first; the read is audited with
    its purpose."""
    resident = resident_in_jurisdiction(
        session, actor, resident_id, Permission.read_resident, purpose
    )
    audit.read("employment_relations", resident.id, purpose)
    found = EmploymentRepository(session).of_resident(resident.id, page)
    return found.map(EmploymentRelationOut.model_validate)


# ---------------------------------------------------------------- bulk (seeding)


def taken_codes(session: Session, codes: Sequence[str]) -> set[str]:
    """Which of ``codes`` are already registered."""
    return EmployerRepository(session).taken(codes)


def next_ids(session: Session) -> tuple[int, int]:
    """The next free employer id and employment relation id (rows numbered by a bulk load)."""
    return EmployerRepository(session).next_id(), EmploymentRepository(session).next_id()


def load_employers(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    """Employers with their ids, in bulk (seeding; no clerk, not audited row by row)."""
    return EmployerRepository(session).load(rows)


def load_employment_relations(session: Session, rows: Iterable[dict[str, Any]]) -> int:
    return EmploymentRepository(session).load(rows)
