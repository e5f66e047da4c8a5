"""Pure employment rules: working age, certificate numbers, loan and skill bounds."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from cardsvc.errors import InvalidDataError
from cardsvc.residents.rules import MINIMUM_WORKING_AGE, RETIREMENT_AGE, Sex


class RegistrationKind(StrEnum):
    employment = "employment"  # 就业登记
    unemployment = "unemployment"  # 失业登记


class HardshipCategory(StrEnum):
    """就业困难人员 categories of the provincial rules."""

    older_worker = "older_worker"  # 大龄失业人员（女40、男50周岁以上）
    disabled = "disabled"  # 残疾人
    zero_employment_family = "zero_employment_family"  # 零就业家庭成员
    minimum_living_allowance = "minimum_living_allowance"  # 享受最低生活保障人员
    long_term_unemployed = "long_term_unemployed"  # 连续失业一年以上
    land_lost_farmer = "land_lost_farmer"  # 失地农民


class AssistanceMeasure(StrEnum):
    job_referral = "job_referral"  # 职业介绍
    public_welfare_post = "public_welfare_post"  # 公益性岗位安置
    social_insurance_subsidy = "social_insurance_subsidy"  # 社会保险补贴
    post_subsidy = "post_subsidy"  # 岗位补贴
    training_subsidy = "training_subsidy"  # 培训补贴


class EntrepreneurshipServiceKind(StrEnum):
    consulting = "consulting"  # 创业咨询
    training = "training"  # 创业培训
    incubation = "incubation"  # 创业孵化
    subsidy = "subsidy"  # 一次性创业补贴


# 创业担保贷款: an individual borrows at most 300,000 yuan for at most three years.
LOAN_CAP_FEN = 300_000 * 100
LOAN_MAX_MONTHS = 36
SKILL_LEVELS = {
    1: "一级/高级技师",
    2: "二级/技师",
    3: "三级/高级工",
    4: "四级/中级工",
    5: "五级/初级工",
}


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def check_working_age(birth: date, sex: Sex, day: date) -> None:
    """Employment and unemployment registration is for people of working age."""
    age = age_on(birth, day)
    if age < MINIMUM_WORKING_AGE or age >= RETIREMENT_AGE[sex]:
        raise InvalidDataError(
            f"登记日该人员{age}周岁，不在法定劳动年龄内（16周岁至"
            f"{'男60' if sex is Sex.male else '女55'}周岁）",
            code="not_working_age",
        )


def check_hardship(category: HardshipCategory, birth: date, sex: Sex, day: date) -> None:
    if category is HardshipCategory.older_worker:
        threshold = 50 if sex is Sex.male else 40
        if age_on(birth, day) < threshold:
            raise InvalidDataError(
                f"大龄失业人员须{'男' if sex is Sex.male else '女'}{threshold}周岁以上",
                code="hardship_category_not_met",
            )


def check_loan(amount_fen: int, months: int) -> None:
    if not 0 < amount_fen <= LOAN_CAP_FEN:
        raise InvalidDataError(
            "创业担保贷款金额须大于0且不超过30万元", code="loan_amount_out_of_range"
        )
    if not 1 <= months <= LOAN_MAX_MONTHS:
        raise InvalidDataError("创业担保贷款期限为1至36个月", code="loan_term_out_of_range")


def certificate_number(region_code: str, year: int, sequence: int) -> str:
    """就业创业证 number [profile]: the issuing county's region code, the year, and a
    six-digit sequence within that county and year (``320102`` ``2026`` ``000042``)."""
    if not 0 < sequence < 1_000_000:
        raise InvalidDataError("本年度就业创业证编号已用尽", code="certificate_numbers_exhausted")
    return f"{region_code}{year:04d}{sequence:06d}"
