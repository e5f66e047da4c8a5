"""The platforms' calendar: China's days, working days and the end of a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

# The day a record is dated and a time limit's last day are China's.
CHINA = ZoneInfo("Asia/Shanghai")


def china_day(moment: datetime) -> date:
    """The date in China at ``moment`` (an aware timestamp)."""
    return moment.astimezone(CHINA).date()


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later (earlier when negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def add_working_days(start: date, days: int) -> date:
    """``days`` working days after ``start`` (Monday to Friday; public holidays are not
    modelled: a limit that spans one ends early, never late)."""
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def end_of_day(day: date) -> datetime:
    """23:59:59 in China on ``day``: when a time limit that ends that day runs out."""
    return datetime.combine(day, datetime.max.time(), CHINA).replace(microsecond=0)


def working_days_later(moment: datetime, days: int) -> datetime:
    """The end of the ``days``-th working day after the day of ``moment`` (China time)."""
    return end_of_day(add_working_days(china_day(moment), days)).astimezone(UTC)
