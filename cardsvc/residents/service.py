"""Registering, reading (audited) and listing (masked) residents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.permissions import Actor, Permission, as_not_found, authorize
from cardsvc.errors import (
    ConflictError,
    InvalidDataError,
    NotFoundError,
    OutsideJurisdictionError,
)
from cardsvc.platforms.repository import PlatformRepository
from cardsvc.platforms.rules import Level
from cardsvc.residents.ethnic_groups import ETHNIC_GROUPS
from cardsvc.residents.models import Resident
from cardsvc.residents.repository import ResidentRepository
from cardsvc.residents.rules import Sex, check_name, mask_name, mask_ssn, parse_ssn
from cardsvc.residents.schemas import ResidentCreate, ResidentListItem


def _mask_address(address: str) -> str:
    return address[:3] + "***"


def audit_snapshot(audit: AuditTrail, resident: Resident) -> dict[str, object]:
    """The resident as the audit trail may hold it: identifiers masked and keyed-hashed."""
    return {
        "social_security_number": audit.personal(
            resident.social_security_number, mask_ssn(resident.social_security_number)
        ),
        "name": audit.personal(resident.name, mask_name(resident.name)),
        "ethnic_group": resident.ethnic_group,
        "household_registration": audit.personal(
            resident.household_registration, _mask_address(resident.household_registration)
        ),
        "current_address": audit.personal(
            resident.current_address, _mask_address(resident.current_address)
        ),
        "platform_id": resident.platform_id,
    }


def register_resident(
    session: Session, actor: Actor, audit: AuditTrail, data: ResidentCreate
) -> Resident:
    platform = PlatformRepository(session).get(data.platform_id)
    if platform is None:
        raise NotFoundError("所属社区（村）平台不存在", code="platform_not_found")
    authorize(actor, Permission.register_resident, platform.path, subject=("platform", platform.id))
    if platform.level is not Level.community:
        raise InvalidDataError("参保人员须归属于社区（村）服务站", code="not_a_community")
    number = parse_ssn(data.social_security_number)
    if number.birth_date != data.birth_date or number.sex != data.sex:
        raise InvalidDataError("性别或出生日期与社会保障号码不一致", code="ssn_mismatch")
    if data.ethnic_group not in ETHNIC_GROUPS:
        raise InvalidDataError("民族代码无效", code="invalid_ethnic_group")
    repository = ResidentRepository(session)
    if repository.by_ssn(number.number) is not None:
        raise ConflictError("该社会保障号码已登记", code="resident_exists")
    resident = repository.add(
        Resident(
            social_security_number=number.number,
            name=check_name(data.name),
            sex=number.sex,
            birth_date=number.birth_date,
            ethnic_group=data.ethnic_group,
            household_registration=data.household_registration.strip(),
            current_address=data.current_address.strip(),
            platform_id=platform.id,
            platform=platform,
        )
    )
    audit.change(
        "resident.register", "resident", resident.id, None, audit_snapshot(audit, resident)
    )
    return resident


def resident_in_jurisdiction(
    session: Session,
    actor: Actor,
    resident_id: int,
    permission: Permission,
    purpose: str | None = None,
) -> Resident:
    """The resident, if ``actor`` may act on them; a refusal is audited.

    The role is checked before the resident is looked up; a resident outside the
    clerk's jurisdiction answers as one that does not exist (404, never 403: which ids
    exist elsewhere is not told), and the refusal is audited.
    """
    authorize(actor, permission, subject=("resident", resident_id), purpose=purpose)
    resident = ResidentRepository(session).get(resident_id)
    if resident is None:
        raise NotFoundError("参保人员不存在", code="resident_not_found")
    try:
        authorize(
            actor,
            permission,
            resident.platform.path,
            subject=("resident", resident.id),
            purpose=purpose,
        )
    except OutsideJurisdictionError as outside:
        raise as_not_found(outside, "参保人员不存在", "resident_not_found") from None
    return resident


def read_resident(
    session: Session, actor: Actor, audit: AuditTrail, resident_id: int, purpose: str
) -> Resident:
    """The full record of one resident; the read is audited with its purpose."""
    resident = resident_in_jurisdiction(
        session, actor, resident_id, Permission.read_resident, purpose
    )
    audit.read("resident", resident.id, purpose)
    return resident


def list_residents(
    session: Session, actor: Actor, audit: AuditTrail, *, limit: int, offset: int
) -> list[ResidentListItem]:
    """Residents within the clerk's jurisdiction, masked; the listing itself is audited."""
    authorize(actor, Permission.list_residents, subject=("residents", actor.platform_id))
    residents: Sequence[Resident] = ResidentRepository(session).within(
        actor.platform_path, limit=limit, offset=offset
    )
    audit.record("list", "residents", actor.platform_id, payload={"ids": [r.id for r in residents]})
    return [
        ResidentListItem(
            id=r.id,
            social_security_number=mask_ssn(r.social_security_number),
            name=mask_name(r.name),
            sex=r.sex,
            platform_id=r.platform_id,
        )
        for r in residents
    ]


class ResidentFacts(NamedTuple):
    """What generated records (seeding) need to know of a resident."""

    id: int
    social_security_number: str
    sex: Sex
    birth_date: date
    platform_id: int


def resident_facts(session: Session, *, after_id: int, limit: int) -> list[ResidentFacts]:
    """The next ``limit`` residents after ``after_id``, by id (no clerk: seeding only)."""
    rows = ResidentRepository(session).facts(after_id=after_id, limit=limit)
    return [ResidentFacts(*row) for row in rows]


def resident_count(session: Session) -> int:
    return ResidentRepository(session).count()
