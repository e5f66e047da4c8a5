"""The business items a window takes (办事指南): documents, steps, time limit, and what
approval records. One table: the service guide shows it, the workflow enforces it.

Each item names the record it makes once approved. Its rules are checked when a window
takes the application and again at approval, when they hold on that day: employment
items by their own checks, insurance items by trying the record in a savepoint that is
then rolled back (the insurance services check and record in one step).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from cardsvc.audit.service import AuditTrail
from cardsvc.clerks.permissions import Actor
from cardsvc.employment import service as employment
from cardsvc.employment.schemas import (
    EmploymentRegistrationDetails,
    EntrepreneurshipServiceDetails,
    GuaranteedLoanDetails,
    HardshipRecognitionDetails,
    SkillRecordDetails,
    UnemploymentRegistrationDetails,
)
from cardsvc.employment.service import Subject
from cardsvc.errors import NotFoundError
from cardsvc.insurance import benefits, transfers
from cardsvc.insurance import service as insurance
from cardsvc.insurance.schemas import (
    ArrearsPayment,
    BenefitClaim,
    CertificationInput,
    EmployeeContributions,
    EnrolmentChange,
    EnrolmentInput,
    ResidentContribution,
    TransferInput,
)


@dataclass(frozen=True)
class Context:
    """Who takes the step (the submitting or approving clerk), for whom, on which day."""

    subject: Subject
    actor: Actor
    audit: AuditTrail
    today: date


Check = Callable[[Session, Context, Any], None]
Record = Callable[[Session, Context, Any], Any]

ID_DOCUMENT = "居民身份证或社会保障卡"
STEPS = (
    "窗口受理：核验身份和材料，录入申请",
    "社区（村）服务站初审",
    "街道（乡镇）服务中心审批",
    "办结：结果记入档案，告知申请人",
)


@dataclass(frozen=True)
class BusinessItem:
    code: str
    name: str
    category: str
    documents: tuple[str, ...]
    working_days: int  # default time limit (办结时限), in working days
    details: type[BaseModel]
    record: Record
    check: Check | None = None  # None: the record tried in a savepoint, rolled back
    steps: tuple[str, ...] = STEPS


def _employment(record: Callable[[Session, Subject, Any], Any]) -> Record:
    return lambda session, context, details: record(session, context.subject, details)


def _employment_check(check: Callable[[Session, Subject, Any], None]) -> Check:
    return lambda session, context, details: check(session, context.subject, details)


def _insurance(record: Callable[..., Any]) -> Record:
    return lambda session, context, details: record(
        session, context.actor, context.audit, details, today=context.today
    )


EMPLOYMENT = "就业"
INSURANCE = "社会保险"

_ITEMS = (
    BusinessItem(
        "employment_registration",
        "就业登记",
        EMPLOYMENT,
        (ID_DOCUMENT, "劳动合同或就业证明"),
        5,
        EmploymentRegistrationDetails,
        _employment(employment.register_employment),
        _employment_check(employment.check_employment),
    ),
    BusinessItem(
        "unemployment_registration",
        "失业登记",
        EMPLOYMENT,
        (ID_DOCUMENT, "解除或终止劳动关系证明"),
        5,
        UnemploymentRegistrationDetails,
        _employment(employment.register_unemployment),
        _employment_check(employment.check_unemployment),
    ),
    BusinessItem(
        "hardship_recognition",
        "就业困难人员认定",
        EMPLOYMENT,
        (ID_DOCUMENT, "就业创业证", "困难情况证明材料"),
        15,
        HardshipRecognitionDetails,
        _employment(employment.recognise_hardship),
        _employment_check(employment.check_hardship_recognition),
    ),
    BusinessItem(
        "guaranteed_loan",
        "创业担保贷款申请",
        EMPLOYMENT,
        (ID_DOCUMENT, "营业执照", "创业项目计划书"),
        15,
        GuaranteedLoanDetails,
        _employment(employment.approve_guaranteed_loan),
        _employment_check(employment.check_guaranteed_loan),
    ),
    BusinessItem(
        "skill_training",
        "职业技能培训和鉴定登记",
        EMPLOYMENT,
        (ID_DOCUMENT, "培训结业证书"),
        10,
        SkillRecordDetails,
        _employment(employment.record_skill),
        _employment_check(employment.check_skill),
    ),
    BusinessItem(
        "entrepreneurship_service",
        "创业服务",
        EMPLOYMENT,
        (ID_DOCUMENT,),
        5,
        EntrepreneurshipServiceDetails,
        _employment(employment.record_entrepreneurship),
        _employment_check(employment.check_entrepreneurship),
    ),
    BusinessItem(
        "insurance_enrolment",
        "参保登记",
        INSURANCE,
        (ID_DOCUMENT, "社会保险参保登记表"),
        5,
        EnrolmentInput,
        _insurance(insurance.enrol),
    ),
    BusinessItem(
        "contribution_declaration",
        "缴费申报（职工）",
        INSURANCE,
        (ID_DOCUMENT, "社会保险缴费申报表"),
        5,
        EmployeeContributions,
        _insurance(insurance.declare_contributions),
    ),
    BusinessItem(
        "resident_contribution",
        "城乡居民缴费",
        INSURANCE,
        (ID_DOCUMENT,),
        5,
        ResidentContribution,
        _insurance(insurance.declare_contributions),
    ),
    BusinessItem(
        "arrears_payment",
        "补缴欠费",
        INSURANCE,
        (ID_DOCUMENT, "补缴申请表"),
        10,
        ArrearsPayment,
        _insurance(insurance.settle_arrears),
    ),
    BusinessItem(
        "enrolment_change",
        "参保变更（暂停、续保、单位变更、终止）",
        INSURANCE,
        (ID_DOCUMENT, "参保变更申请表"),
        5,
        EnrolmentChange,
        _insurance(insurance.change_enrolment),
    ),
    BusinessItem(
        "benefit_claim",
        "社会保险待遇申领",
        INSURANCE,
        (ID_DOCUMENT, "待遇申领表", "本人银行账户信息"),
        15,
        BenefitClaim,
        _insurance(benefits.start_benefit),
    ),
    BusinessItem(
        "relation_transfer",
        "社会保险关系转移接续",
        INSURANCE,
        (ID_DOCUMENT, "参保缴费凭证"),
        15,
        TransferInput,
        _insurance(transfers.transfer_relation),
    ),
    BusinessItem(
        "retiree_certification",
        "退休人员资格认证",
        INSURANCE,
        (ID_DOCUMENT,),
        5,
        CertificationInput,
        _insurance(benefits.certify_retiree),
    ),
)

ITEMS: dict[str, BusinessItem] = {item.code: item for item in _ITEMS}


def item(code: str) -> BusinessItem:
    try:
        return ITEMS[code]
    except KeyError:
        raise NotFoundError(
            "没有这项业务，请按办事指南选择业务事项", code="item_not_found"
        ) from None


def check(session: Session, business: BusinessItem, context: Context, details: BaseModel) -> None:
    """The item's rules on the day of ``context``, nothing recorded."""
    if business.check is not None:
        business.check(session, context, details)
        return
    with session.begin_nested() as trial:
        business.record(session, context, details)
        trial.rollback()
