"""Item 十二's targets: vouchers issued/redeemed against the yearly quota, trainees and
completions against 20 000 a year, and employment within 90 days of completion; by district
(the worker's), trade (each skill a course teaches) or institution."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.engagements.models import Engagement
from app.engagements.pay import SHANGHAI
from app.training.models import ENROLMENT_LIVE, Course, Enrolment, Voucher, VoucherProgramme
from app.training.vouchers import DEFAULT_QUOTA
from app.workers.models import Worker

TRAINEE_TARGET = 20_000
EMPLOYMENT_WINDOW = timedelta(days=90)
COUNTERS = ("vouchers_issued", "vouchers_redeemed", "trainees", "completions",
            "employed_within_90_days")
CSV_HEADER = ("year", "group_by", "key", *COUNTERS)


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return (datetime.combine(date(year, 1, 1), time(), SHANGHAI),
            datetime.combine(date(year + 1, 1, 1), time(), SHANGHAI))


async def training_stats(session: AsyncSession, year: int, group_by: str) -> dict:
    lo, hi = _year_bounds(year)
    courses = {c.id: c for c in await session.scalars(select(Course))}

    def keys(worker_district: str | None, course_id: int | None) -> list[str | None]:
        course = courses.get(course_id) if course_id else None
        if group_by == "district":
            return [worker_district]
        if course is None:
            return [None]
        if group_by == "institution":
            return [str(course.institution_id)]
        return list(dict.fromkeys(course.skill_codes)) or [None]

    groups: dict[str | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    totals = dict.fromkeys(COUNTERS, 0)

    def add(counter: str, district: str | None, course_id: int | None) -> None:
        totals[counter] += 1
        for key in keys(district, course_id):
            groups[key][counter] += 1

    vouchers = (await session.execute(
        select(Voucher.status, Voucher.course_id, Worker.district_code)
        .join(Worker, Worker.id == Voucher.worker_id)
        .where(Voucher.year == year, Voucher.status != "cancelled")
    )).all()
    for status, course_id, district in vouchers:
        add("vouchers_issued", district, course_id)
        if status == "redeemed":
            add("vouchers_redeemed", district, course_id)
    enrolments = (await session.execute(
        select(Enrolment.id, Enrolment.worker_id, Enrolment.course_id, Enrolment.status,
               Enrolment.created_at, Enrolment.completed_at, Worker.district_code)
        .join(Worker, Worker.id == Enrolment.worker_id)
        .where(Enrolment.status.in_(ENROLMENT_LIVE),
               ((Enrolment.created_at >= lo) & (Enrolment.created_at < hi))
               | ((Enrolment.completed_at >= lo) & (Enrolment.completed_at < hi)))
    )).all()
    completed = [e for e in enrolments if e.completed_at is not None and lo <= e.completed_at < hi]
    hires: dict[int, list[datetime]] = defaultdict(list)
    worker_ids = sorted({e.worker_id for e in completed})
    for start in range(0, len(worker_ids), 500):
        for worker_id, created_at in (await session.execute(
            select(Engagement.worker_id, Engagement.created_at)
            .where(Engagement.worker_id.in_(worker_ids[start:start + 500]))
        )).all():
            hires[worker_id].append(created_at)
    for e in enrolments:
        if lo <= e.created_at < hi:
            add("trainees", e.district_code, e.course_id)
    for e in completed:
        add("completions", e.district_code, e.course_id)
        if any(e.completed_at < at <= e.completed_at + EMPLOYMENT_WINDOW
               for at in hires[e.worker_id]):
            add("employed_within_90_days", e.district_code, e.course_id)
    quota = await session.scalar(
        select(VoucherProgramme.quota).where(VoucherProgramme.year == year))
    items = [{"key": k, **v} for k, v in groups.items()]
    items.sort(key=lambda r: (r["key"] is None, r["key"] or ""))
    return {"year": year, "group_by": group_by,
            "voucher_quota": quota if quota is not None else DEFAULT_QUOTA,
            "trainee_target": TRAINEE_TARGET, "totals": {"key": None, **totals}, "items": items}


def csv_rows(result: dict) -> list[list]:
    rows = [[result["year"], result["group_by"], r["key"], *(r[c] for c in COUNTERS)]
            for r in result["items"]]
    rows.append([result["year"], result["group_by"], "total",
                 *(result["totals"][c] for c in COUNTERS)])
    return rows
