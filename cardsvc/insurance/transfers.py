"""Transfers of insurance relations between regions (关系转移接续), as an approved
application does them. As in ``service``: the session, the clerk, a validated input;
never a commit; audited."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.permissions import Actor, Permission
from cardsvc.errors import ConflictError, InvalidDataError, NotFoundError
from cardsvc.insurance.models import (
    Enrolment,
    RelationTransfer,
)
from cardsvc.insurance.repository import (
    BenefitRepository,
    EnrolmentRepository,
    TransferRepository,
)
from cardsvc.insurance.rules import (
    BENEFIT_BASIS,
    SCHEME_NAMES,
    EnrolmentEvent,
    TransferDirection,
    TransferStatus,
    check_transfer_regions,
    next_status,
    refuse_with_arrears,
    within_province,
)
from cardsvc.insurance.schemas import (
    TransferInput,
)
from cardsvc.kit.calendar import china_day
from cardsvc.kit.types import utcnow
from cardsvc.residents.service import resident_in_jurisdiction

if TYPE_CHECKING:
    from cardsvc.residents.models import Resident

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
    day = today or china_day(utcnow())
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
            "转出须填写转入地的行政区划代码，不填转移记录和月数", code="invalid_transfer"
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
