"""The base ledgers, each a view of the records the window business keeps current."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.permissions import Actor, Permission, authorize
from cardsvc.employment.rules import RegistrationKind, age_on, working_age_births
from cardsvc.employment.service import employment_states, registrations_by_platform
from cardsvc.insurance.rules import Scheme
from cardsvc.insurance.service import coverage_by_platform
from cardsvc.kit.calendar import china_day
from cardsvc.kit.pagination import PageRequest, Slice
from cardsvc.ledgers.schemas import CoverageLedgerRow, EmploymentLedgerRow, LabourForceRow
from cardsvc.platforms.models import Platform
from cardsvc.platforms.rules import Level
from cardsvc.platforms.service import platforms_within
from cardsvc.reports.rules import ratio
from cardsvc.residents.rules import mask_name, mask_ssn
from cardsvc.residents.service import born_between, counts_by_platform


def labour_force(
    session: Session, actor: Actor, audit: AuditTrail, page: PageRequest, now: datetime
) -> Slice[LabourForceRow]:
    """A page of the labour-force ledger of the clerk's jurisdiction: residents of working
    age with their employment status (the listing is audited, as lists of residents are)."""
    authorize(actor, Permission.read_ledgers, subject=("ledger", actor.platform_id))
    today = china_day(now)
    found = born_between(session, actor.platform_path, working_age_births(today), page)
    states = employment_states(session, {r.id for r in found.items}, today)
    audit.record(
        "list", "labour_force", actor.platform_id, payload={"ids": [r.id for r in found.items]}
    )
    return found.map(
        lambda r: LabourForceRow(
            resident_id=r.id,
            social_security_number=mask_ssn(r.social_security_number),
            name=mask_name(r.name),
            sex=r.sex,
            age=age_on(r.birth_date, today),
            platform_id=r.platform_id,
            employment=states[r.id].state,
            since=states[r.id].since,
            hardship=states[r.id].hardship,
        )
    )


def _communities(session: Session, actor: Actor) -> list[Platform]:
    return [p for p in platforms_within(session, actor.platform_path) if p.level is Level.community]


def employment_ledger(
    session: Session, actor: Actor, audit: AuditTrail, now: datetime
) -> list[EmploymentLedgerRow]:
    """就业台账 of the clerk's jurisdiction, one row per community station."""
    authorize(actor, Permission.read_ledgers, subject=("ledger", actor.platform_id))
    residents = counts_by_platform(session, actor.platform_path)
    counts = registrations_by_platform(session, actor.platform_path, china_day(now))
    audit.record("list", "employment_ledger", actor.platform_id)
    return [
        EmploymentLedgerRow(
            platform_id=p.id,
            unified_code=p.unified_code,
            name=p.name,
            residents=residents.get(p.id, 0),
            employed=counts.get((p.id, RegistrationKind.employment.value), 0),
            unemployed=counts.get((p.id, RegistrationKind.unemployment.value), 0),
            hardship=counts.get((p.id, "hardship"), 0),
        )
        for p in _communities(session, actor)
    ]


def coverage_ledger(session: Session, actor: Actor, audit: AuditTrail) -> list[CoverageLedgerRow]:
    """参保台账 of the clerk's jurisdiction: residents enrolled and paying per scheme."""
    authorize(actor, Permission.read_ledgers, subject=("ledger", actor.platform_id))
    residents = counts_by_platform(session, actor.platform_path)
    paying = coverage_by_platform(session, actor.platform_path)
    audit.record("list", "coverage_ledger", actor.platform_id)
    rows = []
    for p in _communities(session, actor):
        per = {scheme: paying.get((p.id, scheme), 0) for scheme in Scheme}
        total = residents.get(p.id, 0)
        rows.append(
            CoverageLedgerRow(
                platform_id=p.id,
                unified_code=p.unified_code,
                name=p.name,
                residents=total,
                pension=per[Scheme.pension],
                medical=per[Scheme.medical],
                unemployment=per[Scheme.unemployment],
                work_injury=per[Scheme.work_injury],
                maternity=per[Scheme.maternity],
                pension_rate=ratio(per[Scheme.pension], total),
                medical_rate=ratio(per[Scheme.medical], total),
            )
        )
    return rows
