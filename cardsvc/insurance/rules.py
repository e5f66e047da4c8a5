"""Pure rules for social insurance: who may join which scheme, enrolment status,
contribution periods and amounts, base floors and caps, arrears, benefits (retirement
age, minimum contribution, unemployment benefit duration), transfers between regions and
retirees' yearly certification.

Money is integer fen (分) everywhere, never a float. Rates are integer millionths of the
base (16% is ``160_000``). A contribution amount is the base times the rate, rounded to
the fen half up (四舍五入到分), the employer's and the personal part each on its own.
A contribution period (费款所属期) is a month, held as the integer ``YYYYMM``.

Messages are for clerks (Chinese).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from cardsvc.errors import ConflictError, InvalidDataError, TransitionRefusedError
from cardsvc.residents.rules import Sex

# ---------------------------------------------------------------- schemes


class Scheme(StrEnum):
    pension = "pension"  # 基本养老保险
    medical = "medical"  # 基本医疗保险
    unemployment = "unemployment"  # 失业保险
    work_injury = "work_injury"  # 工伤保险
    maternity = "maternity"  # 生育保险


SCHEME_NAMES: dict[Scheme, str] = {
    Scheme.pension: "养老保险",
    Scheme.medical: "医疗保险",
    Scheme.unemployment: "失业保险",
    Scheme.work_injury: "工伤保险",
    Scheme.maternity: "生育保险",
}


# The order a window lists the schemes in.
SCHEME_ORDER: dict[Scheme, int] = {scheme: place for place, scheme in enumerate(Scheme)}


class Category(StrEnum):
    employee = "employee"  # 职工：随用人单位参保，按月缴费
    resident = "resident"  # 城乡居民：无用人单位，按年按档次缴费


# Urban-rural residents join the resident pension and the resident medical insurance only.
SCHEMES_OF: dict[Category, frozenset[Scheme]] = {
    Category.employee: frozenset(Scheme),
    Category.resident: frozenset({Scheme.pension, Scheme.medical}),
}
# Employees pay nothing themselves for work injury and maternity insurance (社会保险法
# 第三十三条、第五十三条): their personal rate is zero.
EMPLOYER_ONLY: frozenset[Scheme] = frozenset({Scheme.work_injury, Scheme.maternity})
# The youngest age to enrol: nobody under 16 may be employed (劳动法 第十五条); the
# resident pension takes residents from 16 (国发〔2014〕8号); resident medical insurance
# covers newborns.
_MIN_AGE: dict[tuple[Category, Scheme], int] = {
    **{(Category.employee, scheme): 16 for scheme in Scheme},
    (Category.resident, Scheme.pension): 16,
    (Category.resident, Scheme.medical): 0,
}


def check_enrolment(
    category: Category,
    scheme: Scheme,
    *,
    has_employer: bool,
    birth_date: date,
    enrolled_on: date,
    today: date,
) -> None:
    """Whether a resident of ``birth_date`` may be enrolled so (``InvalidDataError`` if not)."""
    if scheme not in SCHEMES_OF[category]:
        raise InvalidDataError(
            f"城乡居民不能参加{SCHEME_NAMES[scheme]}，只能参加养老保险和医疗保险",
            code="scheme_not_for_category",
        )
    if has_employer != (category is Category.employee):
        detail = "职工参保须指明用人单位" if has_employer is False else "城乡居民参保不填用人单位"
        raise InvalidDataError(detail, code="employer_mismatch")
    if enrolled_on > today:
        raise InvalidDataError("参保日期不能晚于今天", code="invalid_enrolment_date")
    if (
        enrolled_on < birth_date
        or _age_years(birth_date, enrolled_on) < _MIN_AGE[(category, scheme)]
    ):
        raise InvalidDataError(
            f"参保时须年满{_MIN_AGE[(category, scheme)]}周岁", code="under_enrolment_age"
        )


def _age_years(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


# ---------------------------------------------------------------- enrolment status


class EnrolmentStatus(StrEnum):
    active = "active"  # 参保缴费
    suspended = "suspended"  # 暂停缴费（中断）
    terminated = "terminated"  # 终止参保
    transferred_out = "transferred_out"  # 已转出


STATUS_NAMES: dict[EnrolmentStatus, str] = {
    EnrolmentStatus.active: "参保缴费",
    EnrolmentStatus.suspended: "暂停缴费",
    EnrolmentStatus.terminated: "终止参保",
    EnrolmentStatus.transferred_out: "已转出",
}

# A resident has at most one open enrolment per scheme.
OPEN: frozenset[EnrolmentStatus] = frozenset({EnrolmentStatus.active, EnrolmentStatus.suspended})


class EnrolmentEvent(StrEnum):
    suspend = "suspend"  # 暂停（离职、中断缴费）
    resume = "resume"  # 续保
    change_employer = "change_employer"  # 参保单位变更
    terminate = "terminate"  # 终止（死亡、出国定居、重复参保）
    transfer_out = "transfer_out"  # 关系转出（only through a transfer）


TRANSITIONS: dict[tuple[EnrolmentStatus, EnrolmentEvent], EnrolmentStatus] = {
    (EnrolmentStatus.active, EnrolmentEvent.suspend): EnrolmentStatus.suspended,
    (EnrolmentStatus.suspended, EnrolmentEvent.resume): EnrolmentStatus.active,
    (EnrolmentStatus.active, EnrolmentEvent.change_employer): EnrolmentStatus.active,
    (EnrolmentStatus.active, EnrolmentEvent.terminate): EnrolmentStatus.terminated,
    (EnrolmentStatus.suspended, EnrolmentEvent.terminate): EnrolmentStatus.terminated,
    (EnrolmentStatus.active, EnrolmentEvent.transfer_out): EnrolmentStatus.transferred_out,
    (EnrolmentStatus.suspended, EnrolmentEvent.transfer_out): EnrolmentStatus.transferred_out,
}


def next_status(status: EnrolmentStatus, event: EnrolmentEvent) -> EnrolmentStatus:
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        raise TransitionRefusedError(
            f"参保状态为“{STATUS_NAMES[status]}”，不能办理此项业务", code="enrolment_status_refused"
        ) from None


# ---------------------------------------------------------------- periods


def parse_period(text: str) -> int:
    """``"2024-01"`` → ``202401``; ``ValueError`` for anything else."""
    if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit():
        raise ValueError("a period is written YYYY-MM")
    year, month = int(text[:4]), int(text[5:])
    if not 1 <= month <= 12 or year < 1900:
        raise ValueError("a period is written YYYY-MM with a month 01-12")
    return year * 100 + month


def period_text(period: int) -> str:
    return f"{period // 100:04d}-{period % 100:02d}"


def period_of(day: date) -> int:
    return day.year * 100 + day.month


def month_index(period: int) -> int:
    """Months since year 0: consecutive periods differ by one."""
    return (period // 100) * 12 + period % 100 - 1


def period_at(index: int) -> int:
    return (index // 12) * 100 + index % 12 + 1


def periods_between(first: int, last: int) -> list[int]:
    """Every period from ``first`` to ``last``, both included."""
    return [period_at(i) for i in range(month_index(first), month_index(last) + 1)]


def first_day(period: int) -> date:
    return date(period // 100, period % 100, 1)


def last_day(period: int) -> date:
    following = first_day(period_at(month_index(period) + 1))
    return date.fromordinal(following.toordinal() - 1)


# The longest declaration at once: ten years of months.
MAX_PERIODS_AT_ONCE = 120


def check_declared_periods(first: int, last: int, *, enrolled_on: date, today: date) -> None:
    """Months may be declared from the month of enrolment to the current month."""
    if last < first:
        raise InvalidDataError("缴费终止月份不能早于起始月份", code="invalid_periods")
    if month_index(last) - month_index(first) + 1 > MAX_PERIODS_AT_ONCE:
        raise InvalidDataError(
            f"一次最多申报{MAX_PERIODS_AT_ONCE}个月，请分次申报", code="invalid_periods"
        )
    if first < period_of(enrolled_on):
        raise InvalidDataError(
            f"缴费月份不能早于参保月份（{period_text(period_of(enrolled_on))}）",
            code="before_enrolment",
        )
    if last > period_of(today):
        raise InvalidDataError("不能申报未来月份的缴费", code="future_period")


def check_resident_year(year: int, enrolled_on: date, today: date) -> None:
    """A resident pays for a year from the year of enrolment; next year's contribution is
    collected from the autumn before (集中缴费期)."""
    if year < enrolled_on.year:
        raise InvalidDataError(
            f"缴费年度不能早于参保年度（{enrolled_on.year}年）", code="before_enrolment"
        )
    if year > today.year + 1:
        raise InvalidDataError("只能缴纳本年度或下一年度的费用", code="future_period")


# ---------------------------------------------------------------- amounts

RATE_SCALE = 1_000_000  # rates are millionths of the base
# No scheme's rate, the employer's or the personal part, reaches 30% of the base.
MAX_RATE = 300_000


class ContributionStatus(StrEnum):
    paid = "paid"  # 已缴
    arrears = "arrears"  # 欠缴


def rate_of(value: Decimal) -> int:
    """A rate given as a fraction (``Decimal("0.16")``) in millionths (``160000``)."""
    scaled = value * RATE_SCALE
    if scaled != scaled.to_integral_value() or not 0 <= scaled <= MAX_RATE:
        raise InvalidDataError(
            "费率应为0至0.3之间、最多6位小数的比例（如0.16表示16%）", code="invalid_rate"
        )
    return int(scaled)


def rate_decimal(rate: int) -> Decimal:
    """``160000`` → ``Decimal("0.16")``."""
    return (Decimal(rate) / RATE_SCALE).normalize()


def contribution_amount(base_fen: int, rate: int) -> int:
    """``base_fen`` × ``rate`` (millionths), rounded to the fen half up."""
    return (2 * base_fen * rate + RATE_SCALE) // (2 * RATE_SCALE)


def check_rates(scheme: Scheme, employer_rate: int, personal_rate: int) -> None:
    if employer_rate <= 0:
        raise InvalidDataError("职工参保须有单位缴费费率", code="invalid_rate")
    if scheme in EMPLOYER_ONLY and personal_rate != 0:
        raise InvalidDataError(
            f"{SCHEME_NAMES[scheme]}个人不缴费，个人费率应为0", code="invalid_rate"
        )


def yuan(fen: int) -> str:
    """``425000`` → ``"4,250.00"``."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


# ---------------------------------------------------------------- floors and caps


@dataclass(frozen=True)
class ContributionBounds:
    """A region's bounds for a year: employees' monthly base, or residents' yearly amount
    (with the grades, 缴费档次, residents choose from, if the region sets them)."""

    floor_fen: int
    cap_fen: int
    grades_fen: tuple[int, ...] = ()


def region_chain(region_code: str) -> tuple[str, ...]:
    """Where bounds are looked for, the most specific first: county, city, province."""
    return tuple(dict.fromkeys((region_code, region_code[:4] + "00", region_code[:2] + "0000")))


def region_prefix(region_code: str) -> str:
    """What the codes of a region and the regions inside it start with: ``320000`` → ``32``,
    ``320100`` → ``3201``, ``320102`` → ``320102``."""
    if region_code.endswith("0000"):
        return region_code[:2]
    if region_code.endswith("00"):
        return region_code[:4]
    return region_code


def check_bounds(category: Category, bounds: ContributionBounds) -> None:
    """Bounds an administrator sets: floor ≤ cap, grades (residents only) within them."""
    if not 0 < bounds.floor_fen <= bounds.cap_fen:
        raise InvalidDataError("下限应大于0且不高于上限", code="invalid_bounds")
    if bounds.grades_fen and category is not Category.resident:
        raise InvalidDataError("缴费档次只适用于城乡居民", code="invalid_bounds")
    grades = bounds.grades_fen
    if list(grades) != sorted(set(grades)) or any(
        not bounds.floor_fen <= grade <= bounds.cap_fen for grade in grades
    ):
        raise InvalidDataError(
            "缴费档次应从低到高排列、不重复，且都在上下限之间", code="invalid_bounds"
        )


def check_base(base_fen: int, bounds: ContributionBounds, year: int) -> None:
    """An employee's monthly base within the year's floor and cap."""
    if not bounds.floor_fen <= base_fen <= bounds.cap_fen:
        raise InvalidDataError(
            f"{year}年缴费基数应在{yuan(bounds.floor_fen)}元至{yuan(bounds.cap_fen)}元之间"
            f"（申报{yuan(base_fen)}元）",
            code="base_out_of_bounds",
        )


def check_resident_amount(amount_fen: int, bounds: ContributionBounds, year: int) -> None:
    """A resident's yearly amount: one of the year's grades, else within the bounds."""
    if bounds.grades_fen:
        if amount_fen not in bounds.grades_fen:
            grades = "、".join(yuan(grade) for grade in bounds.grades_fen)
            raise InvalidDataError(
                f"{year}年城乡居民缴费档次为：{grades}元", code="base_out_of_bounds"
            )
        return
    if not bounds.floor_fen <= amount_fen <= bounds.cap_fen:
        raise InvalidDataError(
            f"{year}年城乡居民年缴费额应在{yuan(bounds.floor_fen)}元至{yuan(bounds.cap_fen)}元之间",
            code="base_out_of_bounds",
        )


def no_bounds(region_code: str, year: int, scheme: Scheme) -> InvalidDataError:
    return InvalidDataError(
        f"未设置{region_code}地区{year}年{SCHEME_NAMES[scheme]}的缴费基数上下限，请联系管理员",
        code="bounds_missing",
    )


# ---------------------------------------------------------------- arrears


@dataclass(frozen=True)
class Totals:
    """An enrolment's counts kept with it: months paid, months and amount in arrears."""

    months_paid: int = 0
    months_in_arrears: int = 0
    arrears_fen: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.months_paid + other.months_paid,
            self.months_in_arrears + other.months_in_arrears,
            self.arrears_fen + other.arrears_fen,
        )


def totals(rows: Iterable[tuple[ContributionStatus, int, int]]) -> Totals:
    """The counts of contribution rows given as (status, months covered, amount due in fen:
    the employer's and the personal part together)."""
    paid = arrears_months = arrears_fen = 0
    for status, months, amount in rows:
        if status is ContributionStatus.paid:
            paid += months
        else:
            arrears_months += months
            arrears_fen += amount
    return Totals(paid, arrears_months, arrears_fen)


def refuse_with_arrears(scheme: Scheme, months: int, amount_fen: int, doing: str) -> None:
    if months:
        raise ConflictError(
            f"{SCHEME_NAMES[scheme]}欠缴{months}个月共{yuan(amount_fen)}元，请补缴后再办理{doing}",
            code="arrears_outstanding",
        )


# ---------------------------------------------------------------- retirement


class FemaleTrack(StrEnum):
    """A woman's original statutory retirement age, by her post."""

    cadre = "cadre"  # 管理和专业技术岗位（原55周岁）
    worker = "worker"  # 工人岗位（原50周岁）


# (original age in years, first birth month the 2025 reform delays, months of birth per
# month of delay, largest delay in months): 全国人民代表大会常务委员会关于实施渐进式延迟
# 法定退休年龄的决定（2024年9月13日）, from 1 January 2025.
_RETIREMENT: dict[tuple[Sex, FemaleTrack | None], tuple[int, int, int, int]] = {
    (Sex.male, None): (60, 196501, 4, 36),
    (Sex.female, FemaleTrack.cadre): (55, 197001, 4, 36),
    (Sex.female, FemaleTrack.worker): (50, 197501, 2, 60),
}


def retirement_age_months(sex: Sex, birth: date, track: FemaleTrack | None) -> int:
    """The statutory retirement age of an employee, in months."""
    if sex is Sex.female and track is None:
        raise InvalidDataError("女职工须说明岗位类别（干部或工人）", code="female_track_missing")
    years, first_delayed, per_month, most = _RETIREMENT[(sex, track if sex is Sex.female else None)]
    born = month_index(period_of(birth)) - month_index(first_delayed)
    delay = 0 if born < 0 else min(most, born // per_month + 1)
    return years * 12 + delay


def retirement_period(sex: Sex, birth: date, track: FemaleTrack | None) -> int:
    """The month in which the employee reaches the statutory retirement age."""
    return period_at(month_index(period_of(birth)) + retirement_age_months(sex, birth, track))


def pension_min_months(retirement_year: int) -> int:
    """The least contribution to draw a basic pension: 15 years, raised by 6 months a year
    from 2030 to 20 years (the same decision)."""
    if retirement_year < 2030:
        return 180
    return min(240, 180 + 6 * (retirement_year - 2029))


RESIDENT_PENSION_AGE_MONTHS = 60 * 12
# When the urban-rural resident pension began (国发〔2011〕18号, July 2011): who was
# closer to 60 then contributes only the years left.
RESIDENT_PENSION_BEGAN = 201107


def resident_pension_min_months(birth: date) -> int:
    """15 years, or the months left to 60 when the scheme began (国发〔2014〕8号)."""
    sixty = month_index(period_of(birth)) + RESIDENT_PENSION_AGE_MONTHS
    return max(0, min(180, sixty - month_index(RESIDENT_PENSION_BEGAN)))


def unemployment_benefit_months(months_paid: int) -> int:
    """The longest unemployment benefit (失业保险条例 第十七条): 1 to 5 years paid → 12
    months, 5 to 10 → 18, 10 or more → 24; under a year, none."""
    if months_paid >= 120:
        return 24
    if months_paid >= 60:
        return 18
    if months_paid >= 12:
        return 12
    return 0


# ---------------------------------------------------------------- benefits


class BenefitKind(StrEnum):
    basic_pension = "basic_pension"  # 职工基本养老金
    resident_pension = "resident_pension"  # 城乡居民养老金
    unemployment_benefit = "unemployment_benefit"  # 失业保险金
    work_injury_allowance = "work_injury_allowance"  # 伤残津贴
    maternity_allowance = "maternity_allowance"  # 生育津贴


BENEFIT_NAMES: dict[BenefitKind, str] = {
    BenefitKind.basic_pension: "职工基本养老金",
    BenefitKind.resident_pension: "城乡居民养老金",
    BenefitKind.unemployment_benefit: "失业保险金",
    BenefitKind.work_injury_allowance: "伤残津贴",
    BenefitKind.maternity_allowance: "生育津贴",
}

# The enrolment a benefit is drawn from.
BENEFIT_BASIS: dict[BenefitKind, tuple[Scheme, Category]] = {
    BenefitKind.basic_pension: (Scheme.pension, Category.employee),
    BenefitKind.resident_pension: (Scheme.pension, Category.resident),
    BenefitKind.unemployment_benefit: (Scheme.unemployment, Category.employee),
    BenefitKind.work_injury_allowance: (Scheme.work_injury, Category.employee),
    BenefitKind.maternity_allowance: (Scheme.maternity, Category.employee),
}
PENSIONS: frozenset[BenefitKind] = frozenset(
    {BenefitKind.basic_pension, BenefitKind.resident_pension}
)
# Maternity allowance is paid for the leave: at most this many months.
MATERNITY_MAX_MONTHS = 6


class BenefitStatus(StrEnum):
    being_paid = "being_paid"  # 正常发放
    suspended = "suspended"  # 暂停发放
    ended = "ended"  # 终止发放


def pension_start_allowed(
    kind: BenefitKind,
    *,
    sex: Sex,
    birth: date,
    track: FemaleTrack | None,
    first_period: int,
    months_counted: int,
) -> None:
    """Whether a pension may be paid from ``first_period``: the age reached the month
    before, and enough months counted (paid, deemed and carried in)."""
    if kind is BenefitKind.basic_pension:
        reached = retirement_period(sex, birth, track)
        needed = pension_min_months(reached // 100)
    else:
        reached = period_at(month_index(period_of(birth)) + RESIDENT_PENSION_AGE_MONTHS)
        needed = resident_pension_min_months(birth)
    if first_period <= reached:
        raise InvalidDataError(
            f"未达到领取年龄，最早可从{period_text(period_at(month_index(reached) + 1))}起领取",
            code="below_pension_age",
        )
    if months_counted < needed:
        raise InvalidDataError(
            f"累计缴费{months_counted}个月，不足{needed}个月，不能按月领取养老金",
            code="contribution_too_short",
        )


def benefit_last_period(
    kind: BenefitKind, first_period: int, months_counted: int, months: int | None
) -> int | None:
    """The last month a benefit is paid (None: for life, or until stopped)."""
    if kind is BenefitKind.unemployment_benefit:
        entitled = unemployment_benefit_months(months_counted)
        if entitled == 0:
            raise InvalidDataError(
                "失业保险累计缴费不满1年，不能领取失业保险金", code="contribution_too_short"
            )
        return period_at(month_index(first_period) + entitled - 1)
    if kind is BenefitKind.maternity_allowance:
        if months is None or not 1 <= months <= MATERNITY_MAX_MONTHS:
            raise InvalidDataError(
                f"生育津贴须说明发放月数（1至{MATERNITY_MAX_MONTHS}个月）", code="invalid_months"
            )
        return period_at(month_index(first_period) + months - 1)
    return None


# ---------------------------------------------------------------- certification


class CertificationMethod(StrEnum):
    window = "window"  # 窗口认证
    online = "online"  # 网上人脸识别认证
    home_visit = "home_visit"  # 上门认证
    entrusted = "entrusted"  # 异地协助认证


def check_certification(year: int, certified_on: date, first_period: int, today: date) -> None:
    """A retiree certifies within the year certified, once the pension is paid."""
    if certified_on > today:
        raise InvalidDataError("认证日期不能晚于今天", code="invalid_certification")
    if certified_on.year != year:
        raise InvalidDataError("认证日期应在认证年度内", code="invalid_certification")
    if year < first_period // 100:
        raise InvalidDataError("认证年度早于开始领取养老金的年度", code="invalid_certification")


# ---------------------------------------------------------------- transfers


class TransferDirection(StrEnum):
    out = "out"  # 转出
    in_ = "in"  # 转入


class TransferStatus(StrEnum):
    in_transit = "in_transit"  # 已转出，待转入地接续
    completed = "completed"  # 已接续


def within_province(region: str, other: str) -> bool:
    """Both regions in one province: the receiving side is on this service too."""
    return region[:2] == other[:2]


def check_transfer_regions(from_region: str, to_region: str) -> None:
    if from_region == to_region:
        raise InvalidDataError("转出地与转入地相同，无需办理转移", code="same_region")
