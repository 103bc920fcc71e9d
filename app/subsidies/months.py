"""Calendar months as integers (year * 12 + month - 1): contribution months, periods and
retirement are all counted in whole months, so month arithmetic is plain integer arithmetic."""

from __future__ import annotations

import calendar
import re
from datetime import date

_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def month_of(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_text(month: int) -> str:
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def parse_month(text: str) -> int:
    """'YYYY-MM' → month number; ValueError otherwise."""
    match = _MONTH.fullmatch(text.strip())
    if not match:
        raise ValueError("must be a month as YYYY-MM")
    return int(match[1]) * 12 + int(match[2]) - 1


def year_of(month: int) -> int:
    return month // 12


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's last day (2024-02-29 + 12 → 2025-02-28)."""
    target = month_of(day) + months
    year, month = target // 12, target % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
