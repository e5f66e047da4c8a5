"""Pure rules of employers and social insurance, no database: the credit code's check
character, amounts in fen, bounds, arrears, retirement ages, benefit durations,
enrolment transitions."""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cardsvc.employers.rules import (
    USCC_ALPHABET,
    check_employment_span,
    overlaps,
    parse_uscc,
    uscc_check_character,
)
from cardsvc.errors import ConflictError, InvalidDataError, TransitionRefusedError
from cardsvc.insurance.rules import (
    TRANSITIONS,
    BenefitKind,
    Category,
    ContributionBounds,
    ContributionStatus,
    EnrolmentEvent,
    EnrolmentStatus,
    FemaleTrack,
    Scheme,
    Totals,
    benefit_last_period,
    check_base,
    check_bounds,
    check_certification,
    check_declared_periods,
    check_enrolment,
    check_rates,
    check_resident_amount,
    contribution_amount,
    last_day,
    next_status,
    parse_period,
    pension_min_months,
    pension_start_allowed,
    periods_between,
    rate_decimal,
    rate_of,
    refuse_with_arrears,
    region_chain,
    region_prefix,
    resident_pension_min_months,
    retirement_age_months,
    retirement_period,
    totals,
    unemployment_benefit_months,
    within_province,
    yuan,
)
from cardsvc.platforms.rules import path_region, region_path
from cardsvc.residents.rules import Sex

# ---------------------------------------------------------------- credit codes

# Codes printed on the business licences and annual reports of well-known companies.
PUBLISHED = {
    "91440300708461136T": "深圳市腾讯计算机系统有限公司",
    "914403001922038216": "华为技术有限公司",
    "91110000802100433B": "北京百度网讯科技有限公司",
    "91110108551385082Q": "小米科技有限责任公司",
    "91330100716105852F": "阿里巴巴（中国）网络技术有限公司",
}


@pytest.mark.parametrize("code", sorted(PUBLISHED))
def test_published_credit_codes_pass(code: str) -> None:
    assert uscc_check_character(code[:17]) == code[17]
    assert parse_uscc(f" {code.lower()} ") == code


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("91440300708461136A", "校验位不正确"),  # Tencent's with a wrong check character
        ("91440300708461163T", "校验位不正确"),  # two characters swapped
        ("914403007084611369", "校验位不正确"),
        ("91440300708461136", "应为18位"),
        ("9144030070846113OT", "不使用字母I、O、S、V、Z"),
        ("Z1440300708461136T", "不使用字母I、O、S、V、Z"),
        ("91440300708461136-", "只含数字和大写字母"),
        ("C1440300708461136T", "登记管理部门代码"),
        ("9Y440300708461136T", "机构类别代码"),
        ("9144030A708461136T", "行政区划代码"),
    ],
)
def test_invalid_credit_codes_are_refused_saying_why(code: str, error: str) -> None:
    with pytest.raises(InvalidDataError) as raised:
        parse_uscc(code)
    assert raised.value.code == "invalid_credit_code"
    assert error in raised.value.detail
    assert code not in raised.value.detail


_bodies = st.tuples(
    st.sampled_from("123456789ANY"),
    st.sampled_from("123456789"),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
).map("".join)


@given(_bodies, st.integers(min_value=0, max_value=17), st.sampled_from(USCC_ALPHABET))
def test_any_single_wrong_character_is_caught(body: str, place: int, replacement: str) -> None:
    code = body + uscc_check_character(body)
    assert parse_uscc(code) == code
    if code[place] == replacement or (place < 8 and replacement not in "0123456789"):
        return  # not a substitution this test makes
    typo = code[:place] + replacement + code[place + 1 :]
    if place in (0, 1) and (typo[0] not in "123456789ANY" or typo[1] not in "123456789"):
        return
    with pytest.raises(InvalidDataError):
        parse_uscc(typo)


def test_employment_spans() -> None:
    born = date(2008, 2, 29)
    check_employment_span(date(2024, 3, 1), None, born, date(2025, 1, 1))  # 16 on 1 March
    with pytest.raises(InvalidDataError, match="十六周岁"):
        check_employment_span(date(2024, 2, 28), None, born, date(2025, 1, 1))
    with pytest.raises(InvalidDataError):
        check_employment_span(date(2025, 1, 2), None, date(1990, 1, 1), date(2025, 1, 1))
    with pytest.raises(InvalidDataError):
        check_employment_span(
            date(2020, 1, 2), date(2020, 1, 1), date(1990, 1, 1), date(2025, 1, 1)
        )
    spans = (date(2020, 1, 1), date(2020, 12, 31))
    assert overlaps(spans, (date(2020, 12, 31), None))
    assert not overlaps(spans, (date(2021, 1, 1), None))
    assert overlaps((date(2019, 1, 1), None), (date(2010, 1, 1), None))


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("base", "rate", "amount"),
    [
        (812_345, 160_000, 129_975),  # 1,299.752 → 1,299.75
        (812_345, 80_000, 64_988),  # 649.876 → 649.88
        (1, 500_000, 1),  # half a fen rounds up
        (3, 500_000, 2),  # 1.5 → 2
        (625_000, 2_000, 1_250),  # 0.2% exactly
        (400_000, 0, 0),
        (2_147_483_647, 300_000, 644_245_094),
    ],
)
def test_amounts_are_rounded_to_the_fen_half_up(base: int, rate: int, amount: int) -> None:
    assert contribution_amount(base, rate) == amount


@given(st.integers(min_value=0, max_value=2**31 - 1), st.integers(min_value=0, max_value=300_000))
def test_amounts_agree_with_decimal_half_up(base: int, rate: int) -> None:
    exact = Decimal(base) * Decimal(rate) / Decimal(1_000_000)
    assert contribution_amount(base, rate) == int(exact.quantize(Decimal(1), ROUND_HALF_UP))


def test_rates_are_exact_millionths() -> None:
    assert rate_of(Decimal("0.16")) == 160_000
    assert rate_of(Decimal("0.0048")) == 4_800
    assert rate_decimal(160_000) == Decimal("0.16")
    for refused in (Decimal("0.0000005"), Decimal("0.31"), Decimal("-0.01")):
        with pytest.raises(InvalidDataError):
            rate_of(refused)
    check_rates(Scheme.pension, 160_000, 80_000)
    with pytest.raises(InvalidDataError, match="生育保险个人不缴费"):
        check_rates(Scheme.maternity, 8_000, 1)
    with pytest.raises(InvalidDataError, match="单位缴费费率"):
        check_rates(Scheme.medical, 0, 20_000)


def test_yuan_is_written_with_separators() -> None:
    assert [yuan(fen) for fen in (0, 5, 425_000, 123_456_789)] == [
        "0.00",
        "0.05",
        "4,250.00",
        "1,234,567.89",
    ]


# ---------------------------------------------------------------- periods and bounds


def test_periods() -> None:
    assert parse_period("2024-02") == 202402
    for text in ("2024-13", "2024-00", "202402", "2024-2", "24-02-01", "１０２４-02"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            parse_period(text)
    assert periods_between(202411, 202502) == [202411, 202412, 202501, 202502]
    assert last_day(202402) == date(2024, 2, 29)
    enrolled = date(2020, 3, 10)
    check_declared_periods(202003, 202412, enrolled_on=enrolled, today=date(2024, 12, 1))
    for first, last, code in [
        (202002, 202004, "before_enrolment"),
        (202401, 202501, "future_period"),
        (202005, 202004, "invalid_periods"),
        (202003, 203003, "invalid_periods"),
    ]:
        with pytest.raises(InvalidDataError) as raised:
            check_declared_periods(first, last, enrolled_on=enrolled, today=date(2024, 12, 1))
        assert raised.value.code == code


def test_bounds_name_themselves_when_a_base_is_outside() -> None:
    bounds = ContributionBounds(425_000, 2_404_200)
    check_base(425_000, bounds, 2024)
    check_base(2_404_200, bounds, 2024)
    with pytest.raises(InvalidDataError) as raised:
        check_base(2_404_201, bounds, 2024)
    assert raised.value.detail == "2024年缴费基数应在4,250.00元至24,042.00元之间（申报24,042.01元）"
    graded = ContributionBounds(20_000, 200_000, (20_000, 50_000, 200_000))
    check_resident_amount(50_000, graded, 2024)
    with pytest.raises(InvalidDataError, match=re.escape("200.00、500.00、2,000.00元")):
        check_resident_amount(60_000, graded, 2024)
    with pytest.raises(InvalidDataError, match="之间"):
        check_resident_amount(10_000, ContributionBounds(20_000, 200_000), 2024)
    for category, refused in [
        (Category.employee, ContributionBounds(5, 4)),
        (Category.employee, ContributionBounds(0, 4)),
        (Category.employee, ContributionBounds(1, 4, (2,))),
        (Category.resident, ContributionBounds(1, 4, (3, 2))),
        (Category.resident, ContributionBounds(1, 4, (2, 2))),
        (Category.resident, ContributionBounds(1, 4, (5,))),
    ]:
        with pytest.raises(InvalidDataError):
            check_bounds(category, refused)


def test_regions() -> None:
    assert region_chain("320102") == ("320102", "320100", "320000")
    assert region_chain("320100") == ("320100", "320000")
    assert region_chain("320000") == ("320000",)
    assert [region_prefix(code) for code in ("320000", "320100", "320102")] == [
        "32",
        "3201",
        "320102",
    ]
    assert region_path("320102") == "/320000/320100/320102/"
    assert region_path("320000") == "/320000/"
    assert path_region("/320000/320100/320102/320102001/320102001001/") == "320102"
    assert path_region("/320000/") == "320000"
    assert within_province("320102", "320508")
    assert not within_province("320102", "310104")


# ---------------------------------------------------------------- arrears and status


def test_totals_count_paid_and_owed_months() -> None:
    rows = [
        (ContributionStatus.paid, 1, 1_000),
        (ContributionStatus.arrears, 1, 1_200),
        (ContributionStatus.arrears, 12, 38_000),
        (ContributionStatus.paid, 12, 38_000),
    ]
    assert totals(rows) == Totals(13, 13, 39_200)
    assert totals([]) == Totals()
    refuse_with_arrears(Scheme.pension, 0, 0, "关系转移")
    with pytest.raises(ConflictError, match=re.escape("养老保险欠缴13个月共392.00元")):
        refuse_with_arrears(Scheme.pension, 13, 39_200, "关系转移")


@pytest.mark.parametrize("status", list(EnrolmentStatus))
@pytest.mark.parametrize("event", list(EnrolmentEvent))
def test_enrolment_transitions(status: EnrolmentStatus, event: EnrolmentEvent) -> None:
    if (status, event) in TRANSITIONS:
        assert next_status(status, event) is TRANSITIONS[(status, event)]
    else:
        with pytest.raises(TransitionRefusedError):
            next_status(status, event)
    # Closed enrolments are final.
    if status in (EnrolmentStatus.terminated, EnrolmentStatus.transferred_out):
        assert (status, event) not in TRANSITIONS


def test_who_may_enrol_in_what() -> None:
    def enrol(category: Category, scheme: Scheme, employer: bool, born: date) -> None:
        check_enrolment(
            category,
            scheme,
            has_employer=employer,
            birth_date=born,
            enrolled_on=date(2024, 1, 1),
            today=date(2024, 6, 1),
        )

    enrol(Category.employee, Scheme.work_injury, True, date(2000, 1, 1))
    enrol(Category.resident, Scheme.medical, False, date(2023, 12, 1))  # a newborn
    for category, scheme, employer, born, code in [
        (
            Category.resident,
            Scheme.unemployment,
            False,
            date(1990, 1, 1),
            "scheme_not_for_category",
        ),
        (Category.employee, Scheme.pension, False, date(1990, 1, 1), "employer_mismatch"),
        (Category.resident, Scheme.pension, True, date(1990, 1, 1), "employer_mismatch"),
        (Category.employee, Scheme.pension, True, date(2008, 1, 2), "under_enrolment_age"),
        (Category.resident, Scheme.pension, False, date(2008, 1, 2), "under_enrolment_age"),
    ]:
        with pytest.raises(InvalidDataError) as raised:
            enrol(category, scheme, employer, born)
        assert raised.value.code == code


# ---------------------------------------------------------------- retirement and benefits


@pytest.mark.parametrize(
    ("sex", "track", "born", "age"),
    [
        # The 2024 decision's tables: men 60, one month later per four months of birth.
        (Sex.male, None, date(1964, 12, 31), (60, 0)),
        (Sex.male, None, date(1965, 1, 1), (60, 1)),
        (Sex.male, None, date(1965, 4, 30), (60, 1)),
        (Sex.male, None, date(1965, 5, 1), (60, 2)),
        (Sex.male, None, date(1976, 8, 1), (62, 11)),
        (Sex.male, None, date(1976, 9, 1), (63, 0)),
        (Sex.male, None, date(1990, 1, 1), (63, 0)),
        # Women at 55: the same pace, up to 58.
        (Sex.female, FemaleTrack.cadre, date(1969, 12, 1), (55, 0)),
        (Sex.female, FemaleTrack.cadre, date(1970, 1, 1), (55, 1)),
        (Sex.female, FemaleTrack.cadre, date(1981, 9, 1), (58, 0)),
        # Women at 50: one month per two months of birth, up to 55.
        (Sex.female, FemaleTrack.worker, date(1974, 12, 1), (50, 0)),
        (Sex.female, FemaleTrack.worker, date(1975, 2, 1), (50, 1)),
        (Sex.female, FemaleTrack.worker, date(1975, 3, 1), (50, 2)),
        (Sex.female, FemaleTrack.worker, date(1984, 10, 1), (54, 11)),
        (Sex.female, FemaleTrack.worker, date(1984, 11, 1), (55, 0)),
    ],
)
def test_statutory_retirement_ages(
    sex: Sex, track: FemaleTrack | None, born: date, age: tuple[int, int]
) -> None:
    assert divmod(retirement_age_months(sex, born, track), 12) == age


def test_retirement_month_and_minimum_contribution() -> None:
    assert retirement_period(Sex.male, date(1965, 3, 10), None) == 202504
    with pytest.raises(InvalidDataError, match="岗位类别"):
        retirement_age_months(Sex.female, date(1970, 1, 1), None)
    assert [pension_min_months(year) for year in (2025, 2029, 2030, 2031, 2039, 2050)] == [
        180,
        180,
        186,
        192,
        240,
        240,
    ]
    # Born 1950: 60 before the resident pension began (July 2011): no contribution needed.
    assert resident_pension_min_months(date(1950, 1, 1)) == 0
    assert resident_pension_min_months(date(1960, 1, 1)) == 102
    assert resident_pension_min_months(date(1970, 1, 1)) == 180


def test_a_pension_needs_the_age_and_the_months() -> None:
    def allowed(first: int, months: int, kind: BenefitKind = BenefitKind.basic_pension) -> None:
        pension_start_allowed(
            kind,
            sex=Sex.male,
            birth=date(1965, 3, 10),
            track=None,
            first_period=first,
            months_counted=months,
        )

    allowed(202505, 180)
    with pytest.raises(InvalidDataError, match="最早可从2025-05起领取"):
        allowed(202504, 400)
    with pytest.raises(InvalidDataError, match="不足180个月"):
        allowed(202505, 179)
    allowed(202504, 180, BenefitKind.resident_pension)  # 60 in March 2025
    with pytest.raises(InvalidDataError, match="最早可从2025-04起领取"):
        allowed(202503, 180, BenefitKind.resident_pension)


def test_benefit_durations() -> None:
    assert [unemployment_benefit_months(m) for m in (0, 11, 12, 59, 60, 119, 120, 400)] == [
        0,
        0,
        12,
        12,
        18,
        18,
        24,
        24,
    ]
    assert benefit_last_period(BenefitKind.unemployment_benefit, 202511, 72, None) == 202704
    with pytest.raises(InvalidDataError, match="不满1年"):
        benefit_last_period(BenefitKind.unemployment_benefit, 202511, 11, None)
    assert benefit_last_period(BenefitKind.maternity_allowance, 202511, 0, 4) == 202602
    with pytest.raises(InvalidDataError, match="发放月数"):
        benefit_last_period(BenefitKind.maternity_allowance, 202511, 0, None)
    assert benefit_last_period(BenefitKind.basic_pension, 202511, 400, None) is None


def test_certification_dates() -> None:
    check_certification(2025, date(2025, 3, 1), 202407, date(2025, 6, 1))
    for year, on, code in [
        (2025, date(2025, 7, 1), "invalid_certification"),  # in the future
        (2025, date(2024, 12, 31), "invalid_certification"),  # outside the year
        (2023, date(2023, 3, 1), "invalid_certification"),  # before the pension
    ]:
        with pytest.raises(InvalidDataError) as raised:
            check_certification(year, on, 202407, date(2025, 6, 1))
        assert raised.value.code == code
