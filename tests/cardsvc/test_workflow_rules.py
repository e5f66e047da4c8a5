"""The workflow's and employment's pure rules, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cardsvc.employment.rules import (
    HardshipCategory,
    certificate_number,
    check_hardship,
    check_loan,
    check_working_age,
    working_age_births,
)
from cardsvc.errors import ForbiddenError, InvalidDataError, TransitionRefusedError
from cardsvc.kit.calendar import CHINA, add_working_days
from cardsvc.residents.rules import Sex
from cardsvc.workflow.rules import (
    Status,
    Step,
    check_maker_checker,
    due_at,
    is_overdue,
    missing_documents,
    next_status,
)


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        (date(2026, 12, 2), 5, date(2026, 12, 9)),  # Wednesday + 5 → next Wednesday
        (date(2026, 12, 4), 1, date(2026, 12, 7)),  # Friday + 1 → Monday
        (date(2026, 12, 5), 1, date(2026, 12, 7)),  # Saturday + 1 → Monday
        (date(2026, 12, 31), 15, date(2027, 1, 21)),
    ],
)
def test_working_days_skip_weekends(start: date, days: int, end: date) -> None:
    assert add_working_days(start, days) == end


def test_the_limit_ends_at_midnight_in_china() -> None:
    # 20:00 UTC on Thursday is already Friday in China: five working days run to Friday.
    submitted = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
    due = due_at(submitted, 5)
    assert due == datetime(2026, 12, 11, 23, 59, 59, tzinfo=CHINA)
    assert not is_overdue(Status.submitted, due, datetime(2026, 12, 11, 15, 0, tzinfo=UTC))
    assert is_overdue(Status.reviewed, due, datetime(2026, 12, 11, 16, 0, tzinfo=UTC))
    assert not is_overdue(Status.approved, due, datetime(2027, 1, 1, tzinfo=UTC))


def test_transitions_table() -> None:
    assert next_status(Status.submitted, Step.review) is Status.reviewed
    assert next_status(Status.submitted, Step.reject) is Status.rejected
    assert next_status(Status.reviewed, Step.approve) is Status.approved
    assert next_status(Status.reviewed, Step.reject) is Status.rejected
    for status in (Status.approved, Status.rejected):
        for step in Step:
            with pytest.raises(TransitionRefusedError):
                next_status(status, step)
    with pytest.raises(TransitionRefusedError):
        next_status(Status.submitted, Step.approve)


def test_maker_is_not_checker() -> None:
    check_maker_checker(3, {1, 2})
    with pytest.raises(ForbiddenError) as refused:
        check_maker_checker(2, {1, 2})
    assert refused.value.code == "same_maker_and_checker"


def test_missing_documents_in_the_guide_order() -> None:
    required = ("身份证", "劳动合同", "照片")
    assert missing_documents(required, [" 照片 ", "身份证"]) == ["劳动合同"]
    assert missing_documents(required, list(required)) == []


@pytest.mark.parametrize(
    ("birth", "sex", "day", "ok"),
    [
        (date(2010, 12, 2), Sex.male, date(2026, 12, 2), True),  # 16 today
        (date(2010, 12, 3), Sex.male, date(2026, 12, 2), False),  # 16 tomorrow
        (date(1964, 12, 2), Sex.male, date(2024, 12, 1), True),  # born before the reform: 60
        (date(1964, 12, 2), Sex.male, date(2024, 12, 2), False),
        # Born December 1966: the 2024 decision adds 6 months (one per 4 months of birth
        # since January 1965): 60 years 6 months.
        (date(1966, 12, 2), Sex.male, date(2026, 12, 2), True),
        (date(1966, 12, 2), Sex.male, date(2027, 6, 1), True),
        (date(1966, 12, 2), Sex.male, date(2027, 6, 2), False),
        # Women: the later track (55, delayed from January 1970) [profile].
        (date(1969, 12, 2), Sex.female, date(2024, 12, 2), False),
        (date(1971, 12, 2), Sex.female, date(2026, 12, 2), True),  # 55, delayed 6 months
        (date(1971, 12, 2), Sex.female, date(2027, 6, 2), False),
    ],
)
def test_working_age_ends_at_the_statutory_retirement_age(
    birth: date, sex: Sex, day: date, ok: bool
) -> None:
    if ok:
        check_working_age(birth, sex, day)
    else:
        with pytest.raises(InvalidDataError) as refused:
            check_working_age(birth, sex, day)
        assert refused.value.code == "not_working_age"


def test_the_refusal_says_which_limit() -> None:
    with pytest.raises(InvalidDataError) as refused:
        check_working_age(date(1966, 12, 2), Sex.male, date(2027, 6, 2))
    assert refused.value.detail == (
        "登记日该人员60周岁，已达法定退休年龄（60周岁6个月），不在法定劳动年龄内"
    )


def test_working_age_births_agree_with_the_check() -> None:
    today = date(2026, 12, 2)
    for sex, (earliest, latest) in working_age_births(today).items():
        check_working_age(earliest, sex, today)
        check_working_age(latest, sex, today)
        with pytest.raises(InvalidDataError):
            check_working_age(earliest - timedelta(days=1), sex, today)
        with pytest.raises(InvalidDataError):
            check_working_age(latest + timedelta(days=1), sex, today)


def test_older_worker_thresholds() -> None:
    check_hardship(HardshipCategory.older_worker, date(1976, 1, 1), Sex.male, date(2026, 12, 2))
    check_hardship(HardshipCategory.older_worker, date(1986, 1, 1), Sex.female, date(2026, 12, 2))
    with pytest.raises(InvalidDataError):
        check_hardship(HardshipCategory.older_worker, date(1977, 1, 1), Sex.male, date(2026, 12, 2))


def test_loan_bounds() -> None:
    check_loan(30_000_000, 36)
    for amount, months in ((0, 12), (30_000_001, 12), (100, 0), (100, 37)):
        with pytest.raises(InvalidDataError):
            check_loan(amount, months)


def test_certificate_numbers() -> None:
    assert certificate_number("320102", 2026, 42) == "3201022026000042"
    with pytest.raises(InvalidDataError):
        certificate_number("320102", 2026, 1_000_000)
