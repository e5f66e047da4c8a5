"""The base ledgers, each a view of the records the window business keeps current."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.permissions import Actor, Permission, authorize
from cardsvc.employment.rules import age_on
from cardsvc.employment.service import employment_states
from cardsvc.kit.calendar import china_day
from cardsvc.kit.pagination import PageRequest, Slice
from cardsvc.ledgers.schemas import LabourForceRow
from cardsvc.residents.rules import mask_name, mask_ssn
from cardsvc.residents.service import of_working_age


def labour_force(
    session: Session, actor: Actor, audit: AuditTrail, page: PageRequest, now: datetime
) -> Slice[LabourForceRow]:
    """A page of the labour-force ledger of the clerk's jurisdiction: residents of working
    age with their employment status (the listing is audited, as lists of residents are)."""
    authorize(actor, Permission.read_ledgers, subject=("ledger", actor.platform_id))
    today = china_day(now)
    found = of_working_age(session, actor.platform_path, today, page)
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
