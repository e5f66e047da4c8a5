"""Registering, reading (audited) and finding (masked, audited) residents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Row
from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.cards.holders import holder_of
from cardsvc.cards.rules import normalise_card_number
from cardsvc.clerks.permissions import Actor, Permission, as_not_found, authorize
from cardsvc.errors import (
    ConflictError,
    InvalidDataError,
    NotFoundError,
    OutsideJurisdictionError,
)
from cardsvc.kit.pagination import PageRequest, Slice
from cardsvc.platforms.repository import PlatformRepository
from cardsvc.platforms.rules import Level
from cardsvc.residents.ethnic_groups import ETHNIC_GROUPS
from cardsvc.residents.models import Resident
from cardsvc.residents.repository import ResidentRepository
from cardsvc.residents.rules import (
    Sex,
    check_name,
    mask_name,
    mask_ssn,
    parse_ssn,
)
from cardsvc.residents.schemas import ResidentCreate, ResidentListItem, ResidentLookup


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


def find_residents(
    session: Session,
    actor: Actor,
    audit: AuditTrail,
    lookup: ResidentLookup,
    purpose: str,
    page: PageRequest,
) -> Slice[ResidentListItem]:
    """A page of the residents within the clerk's jurisdiction that match ``lookup``
    (all of them when it is empty), masked; the lookup is audited with its purpose, its
    criteria (personal ones masked and keyed-hashed) and the ids it answered.

    A resident outside the jurisdiction is not found, as one who is not registered. A
    resident's full record is read with ``read_resident``, one at a time.
    """
    authorize(
        actor,
        Permission.list_residents,
        subject=("residents", actor.platform_id),
        purpose=purpose,
    )
    narrowing = lookup.sex is not None or lookup.birth_year is not None
    identifying = (lookup.social_security_number, lookup.card_number, lookup.name)
    if narrowing and all(value is None for value in identifying):
        # Sex and year only narrow a lookup: alone they would list half the jurisdiction.
        raise InvalidDataError("按性别或出生年份查找时须同时提供姓名", code="name_required")
    criteria: dict[str, object] = {}
    number = name = None
    if lookup.social_security_number is not None:
        number = parse_ssn(lookup.social_security_number).number
        criteria["social_security_number"] = audit.personal(number, mask_ssn(number))
    if lookup.name is not None:
        name = check_name(lookup.name)
        criteria["name"] = audit.personal(name, mask_name(name))
    if lookup.sex is not None:
        criteria["sex"] = lookup.sex.value
    if lookup.birth_year is not None:
        criteria["birth_year"] = lookup.birth_year
    holder = None
    if lookup.card_number is not None:
        card_number = normalise_card_number(lookup.card_number)
        criteria["card_number"] = card_number
        holder = holder_of(session, card_number)
    if lookup.card_number is not None and holder is None:
        found: Slice[Resident] = Slice([], 0, True, False, page)  # no such card
    else:
        found = ResidentRepository(session).within(
            actor.platform_path,
            page,
            resident_id=holder,
            social_security_number=number,
            name=name,
            sex=lookup.sex,
            born_in=lookup.birth_year,
        )
    audit.record(
        "list",
        "residents",
        actor.platform_id,
        purpose=purpose,
        payload={"criteria": criteria, "ids": [r.id for r in found.items]},
    )
    return found.map(
        lambda r: ResidentListItem(
            id=r.id,
            social_security_number=mask_ssn(r.social_security_number),
            name=mask_name(r.name),
            sex=r.sex,
            platform_id=r.platform_id,
        )
    )


def resident_by_id(session: Session, resident_id: int) -> Resident:
    """A resident another domain already holds a checked reference to (an application's)."""
    resident = ResidentRepository(session).get(resident_id)
    if resident is None:
        raise NotFoundError("参保人员不存在", code="resident_not_found")
    return resident


def masked_names(session: Session, resident_ids: set[int]) -> dict[int, str]:
    """Each resident's name as lists show it (张*)."""
    return {
        resident_id: mask_name(name)
        for resident_id, name in ResidentRepository(session).names(resident_ids).items()
    }


def counts_by_platform(session: Session, path: str) -> dict[int, int]:
    """How many residents each platform within ``path`` serves."""
    return ResidentRepository(session).counts_by_platform(path)


@dataclass(frozen=True)
class RecordQuality:
    records: int
    failed_validation: int  # a stored record the rules of today refuse
    duplicates: int  # sharing name, sex and birth date with another record


def quality_by_platform(session: Session, path: str, today: date) -> dict[int, RecordQuality]:
    """Per platform within ``path``: records, those failing today's rules, likely duplicates.

    Records imported from old ledgers or written under older rules are checked again here
    with the rules registration applies now (number, name, sex and birth date agreeing
    with the number, ethnic group code).
    """
    repository = ResidentRepository(session)
    records: dict[int, int] = {}
    failed: dict[int, int] = {}
    for row in repository.stored_rows(path):
        records[row.platform_id] = records.get(row.platform_id, 0) + 1
        if not _passes(row, today):
            failed[row.platform_id] = failed.get(row.platform_id, 0) + 1
    duplicates = repository.duplicate_people(path)
    return {
        platform_id: RecordQuality(
            count, failed.get(platform_id, 0), duplicates.get(platform_id, 0)
        )
        for platform_id, count in records.items()
    }


def _passes(row: Row[Any], today: date) -> bool:
    try:
        number = parse_ssn(row.social_security_number, today)
        check_name(row.name)
    except InvalidDataError:
        return False
    return (
        number.birth_date == row.birth_date
        and number.sex == row.sex
        and row.ethnic_group in ETHNIC_GROUPS
    )


def resident_by_ssn(session: Session, number: str) -> Resident | None:
    """The resident with this (normalised) number, for a caller that checks who asks."""
    return ResidentRepository(session).by_ssn(number)


def born_between(
    session: Session, path: str, bounds: dict[Sex, tuple[date, date]], page: PageRequest
) -> Slice[Resident]:
    """A page of the residents under ``path`` born within their sex's (earliest, latest)
    bounds (the caller's rule, e.g. working age)."""
    return ResidentRepository(session).born_between(path, page, bounds)


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
