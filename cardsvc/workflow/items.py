"""The business items a window takes (办事指南): documents, steps, time limit, and what
approval records. One table: the service guide shows it, the workflow enforces it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from cardsvc.employment import service as employment
from cardsvc.employment.schemas import (
    EmploymentRegistrationDetails,
    EntrepreneurshipServiceDetails,
    GuaranteedLoanDetails,
    HardshipRecognitionDetails,
    SkillRecordDetails,
    UnemploymentRegistrationDetails,
)
from cardsvc.errors import NotFoundError

Check = Callable[[Session, Any, Any], None]
Record = Callable[[Session, Any, Any], Any]

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
    check: Check
    record: Record
    steps: tuple[str, ...] = STEPS


_ITEMS = (
    BusinessItem(
        "employment_registration",
        "就业登记",
        "就业",
        (ID_DOCUMENT, "劳动合同或就业证明"),
        5,
        EmploymentRegistrationDetails,
        employment.check_employment,
        employment.register_employment,
    ),
    BusinessItem(
        "unemployment_registration",
        "失业登记",
        "就业",
        (ID_DOCUMENT, "解除或终止劳动关系证明"),
        5,
        UnemploymentRegistrationDetails,
        employment.check_unemployment,
        employment.register_unemployment,
    ),
    BusinessItem(
        "hardship_recognition",
        "就业困难人员认定",
        "就业",
        (ID_DOCUMENT, "就业创业证", "困难情况证明材料"),
        15,
        HardshipRecognitionDetails,
        employment.check_hardship_recognition,
        employment.recognise_hardship,
    ),
    BusinessItem(
        "guaranteed_loan",
        "创业担保贷款申请",
        "就业",
        (ID_DOCUMENT, "营业执照", "创业项目计划书"),
        15,
        GuaranteedLoanDetails,
        employment.check_guaranteed_loan,
        employment.approve_guaranteed_loan,
    ),
    BusinessItem(
        "skill_training",
        "职业技能培训和鉴定登记",
        "就业",
        (ID_DOCUMENT, "培训结业证书"),
        10,
        SkillRecordDetails,
        employment.check_skill,
        employment.record_skill,
    ),
    BusinessItem(
        "entrepreneurship_service",
        "创业服务",
        "就业",
        (ID_DOCUMENT,),
        5,
        EntrepreneurshipServiceDetails,
        employment.check_entrepreneurship,
        employment.record_entrepreneurship,
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
