"""Statutory retirement age under the 2025 gradual reform (全国人大常委会 2024-09-13 decision,
in force 2025-01-01), as whole months.

Men go from 60 toward 63 and women from 55 toward 58: one month later for every 4 months of
birth cohort, starting with those born in January 1965 (men) and January 1970 (women at 55).
Women whose original age is 50 go toward 55: one month later for every 2 months of cohort,
starting January 1975. A cohort before its start month keeps the original age.

The statutory retirement month is the birth month plus the (delayed) age; e.g. a man born
1965-01 gets 60 years and 1 month and retires in 2025-02.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from app.subsidies.months import month_of, month_text

Gender = Literal["male", "female"]


@dataclass(frozen=True)
class _Schedule:
    base_age: int
    start_month: int  # first birth month whose age is delayed
    cohort_months: int  # months of birth cohort per month of delay
    max_delay: int  # months


_SCHEDULES = {
    60: _Schedule(60, 1965 * 12, 4, 36),
    55: _Schedule(55, 1970 * 12, 4, 36),
    50: _Schedule(50, 1975 * 12, 2, 60),
}


@dataclass(frozen=True)
class Retirement:
    base_age: int
    delay_months: int
    month: int  # month number (see months.py)

    @property
    def age_text(self) -> str:
        years, months = divmod(self.base_age * 12 + self.delay_months, 12)
        return f"{years}y{months}m" if months else f"{years}y"

    @property
    def month_label(self) -> str:
        return month_text(self.month)


def base_age(gender: Gender, female_base_age: int = 55) -> int:
    if gender == "male":
        return 60
    if female_base_age not in (50, 55):
        raise ValueError("a woman's original retirement age is 50 or 55")
    return female_base_age


def delay_months(base: int, birth_month: int) -> int:
    schedule = _SCHEDULES[base]
    if birth_month < schedule.start_month:
        return 0
    steps = (birth_month - schedule.start_month) // schedule.cohort_months + 1
    return min(schedule.max_delay, steps)


def statutory_retirement(birth_date: date, gender: Gender, female_base_age: int = 55) -> Retirement:
    base = base_age(gender, female_base_age)
    birth = month_of(birth_date)
    delay = delay_months(base, birth)
    return Retirement(base, delay, birth + base * 12 + delay)
