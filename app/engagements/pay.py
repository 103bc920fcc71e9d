"""Wages (pure): pay due from the wage unit and the hours or pieces, and the due date by the
settlement method in Asia/Shanghai days. Money is integer fen throughout."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTES_PER_DAY = 24 * 60
DAYS_PER_MONTH = 30  # a monthly wage for part of a month is paid pro rata over 30 days


@dataclass(frozen=True)
class SettlementRules:
    daily_days: int = 0  # 日结: due the day worked (+ N days)
    weekly_weekday: int = 7  # 周结: the next ISO weekday (7 = Sunday) on or after the day worked
    monthly_day: int = 0  # 月结: 0 = the month's last day; 1–28 = that day of the next month
    on_completion_days: int = 0  # 完工结: the job's last day (+ N days)

    @classmethod
    def from_settings(cls, settings) -> SettlementRules:
        return cls(
            daily_days=settings.settlement_daily_days,
            weekly_weekday=settings.settlement_weekly_weekday,
            monthly_day=settings.settlement_monthly_day,
            on_completion_days=settings.settlement_on_completion_days,
        )


def shanghai_date(moment: datetime) -> date:
    return moment.astimezone(SHANGHAI).date()


def start_of_day(day: date, days_after: int = 0) -> datetime:
    """Midnight in Asia/Shanghai opening `day` (+ days_after), as an aware datetime."""
    return datetime.combine(day + timedelta(days=days_after), time(0), tzinfo=SHANGHAI)


def worked_days(minutes: int) -> int:
    """Days a day- or month-paid attendance counts for: any work counts one day; an attendance
    running across several days counts each started 24 hours."""
    if minutes <= 0:
        return 0
    return -(-minutes // MINUTES_PER_DAY)


def pay_due(unit: str, amount: int, minutes: int | None, pieces: int | None) -> int:
    """Fen owed for `minutes` of attendance or `pieces` delivered at `amount` fen per `unit`.
    Hourly pay is rounded half up to the fen."""
    minutes = max(0, minutes or 0)
    if unit == "hour":
        return (minutes * amount + 30) // 60
    if unit == "day":
        return worked_days(minutes) * amount
    if unit == "month":
        return (worked_days(minutes) * amount + DAYS_PER_MONTH // 2) // DAYS_PER_MONTH
    if unit == "piece":
        return max(0, pieces or 0) * amount
    raise ValueError(f"unknown wage unit {unit!r}")


def _last_day(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def due_date(settlement: str, work_date: date, job_end_date: date, rules: SettlementRules) -> date:
    """The Asia/Shanghai day by which the wages for work done on `work_date` must be paid."""
    if settlement == "daily":
        return work_date + timedelta(days=rules.daily_days)
    if settlement == "weekly":
        return work_date + timedelta(days=(rules.weekly_weekday - work_date.isoweekday()) % 7)
    if settlement == "monthly":
        if rules.monthly_day == 0:
            return _last_day(work_date)
        next_month = _last_day(work_date) + timedelta(days=1)
        return next_month.replace(day=rules.monthly_day)
    if settlement == "on_completion":
        return max(job_end_date, work_date) + timedelta(days=rules.on_completion_days)
    raise ValueError(f"unknown settlement {settlement!r}")


def days_overdue(due: date, today: date) -> int:
    """0 on the due day itself; wages become arrears the day after."""
    return max(0, (today - due).days)


def outstanding_fen(pay_due_fen: int, paid_fen: int, disputed_fen: int = 0) -> int:
    """Unpaid wages, counting the part an open dispute contests: not settled is not paid."""
    return max(0, pay_due_fen + disputed_fen - paid_fen)


def payment_status(
    pay_due_fen: int, paid_fen: int, disputed_fen: int = 0, in_dispute: bool = False
) -> str:
    """`disputed` when the hours are under an open dispute and everything but the contested
    part is paid: never `paid` before the dispute is settled."""
    if in_dispute and paid_fen >= pay_due_fen:
        return "disputed"
    total = pay_due_fen + disputed_fen
    if total <= 0:
        return "nothing_due"
    if paid_fen <= 0:
        return "unpaid"
    if paid_fen < total:
        return "partially_paid"
    return "paid"


def work_start(checked_in_at: datetime, shifts: list[tuple[datetime, datetime]]) -> datetime:
    """When paid time begins: the later of the check-in and the start of the shift it is for
    (the first shift not yet over). An early arrival is welcome but not paid."""
    for start, end in sorted(shifts):
        if end > checked_in_at:
            return max(checked_in_at, start)
    return checked_in_at
