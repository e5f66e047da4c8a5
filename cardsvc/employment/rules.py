"""Pure employment rules: working age, certificate numbers, loan and skill bounds."""

from __future__ import annotations

import functools
from datetime import date, timedelta
from enum import StrEnum

from cardsvc.errors import InvalidDataError
from cardsvc.insurance.rules import FemaleTrack, retirement_age_months
from cardsvc.kit.calendar import add_years
from cardsvc.residents.rules import Sex


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


MINIMUM_WORKING_AGE = 16


def months_of_age(birth: date, day: date) -> int:
    """Whole months lived on ``day``."""
    months = (day.year - birth.year) * 12 + day.month - birth.month
    return months - (day.day < birth.day)


def retirement_months(sex: Sex, birth: date) -> int:
    """The statutory retirement age (``insurance.rules``, the 2024 decision's schedule) in
    months; a woman's is her post's, not known here, so the later (管理和专业技术岗位)
    [profile]: nobody still of working age by her post is refused."""
    return retirement_age_months(sex, birth, FemaleTrack.cadre if sex is Sex.female else None)


def of_working_age(birth: date, sex: Sex, day: date) -> bool:
    return age_on(birth, day) >= MINIMUM_WORKING_AGE and months_of_age(
        birth, day
    ) < retirement_months(sex, birth)


def check_working_age(birth: date, sex: Sex, day: date) -> None:
    """Employment and unemployment registration is for people of working age: from 16 to
    the statutory retirement age."""
    if of_working_age(birth, sex, day):
        return
    age = age_on(birth, day)
    if age < MINIMUM_WORKING_AGE:
        detail = f"登记日该人员{age}周岁，未满16周岁，不在法定劳动年龄内"
    else:
        years, months = divmod(retirement_months(sex, birth), 12)
        limit = f"{years}周岁" + (f"{months}个月" if months else "")
        detail = f"登记日该人员{age}周岁，已达法定退休年龄（{limit}），不在法定劳动年龄内"
    raise InvalidDataError(detail, code="not_working_age")


@functools.lru_cache(maxsize=4)
def working_age_births(today: date) -> dict[Sex, tuple[date, date]]:
    """Per sex, the (earliest, latest) birth dates of people of working age on ``today``:
    the retirement age grows with the birth month, so the earliest is searched day by
    day over the schedule's few years."""
    latest = add_years(today, -MINIMUM_WORKING_AGE)
    bounds = {}
    for sex in Sex:
        born = add_years(today, -70)
        while not of_working_age(born, sex, today):
            born += timedelta(days=1)
        bounds[sex] = (born, latest)
    return bounds


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
