"""Market statistics by SQL aggregates: a handful of set-based queries whatever the size.

Definitions (shared with the compliance indicators in app/markets/metrics.py):
- A posting counts in the range by its publication time (pending and rejected ones never do).
- A hire is an engagement in a filled status (cancellations and no-shows excluded), counted
  at its hire time. Positions filled = min(headcount, hires) per posting.
- Time to first match: publication → the earliest application, offer or engagement on it
  (never negative). Time to fill: publication → the hire that reached the headcount.
- Filters apply to the posting: district, skill (taxonomy code), employment type, and the
  market that registered it. Workers are filtered by their district, skill and market.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, String, case, cast, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Role
from app.common.problems import Forbidden, NotFound, Unprocessable
from app.engagements import arrears
from app.engagements.models import Application, Engagement, Offer
from app.engagements.pay import start_of_day
from app.jobs.models import Job, JobSkill
from app.markets.metrics import FILLED_STATUSES
from app.stats.schemas import ArrearsOut, Bucket, Filters, OverviewOut, TimeseriesOut
from app.stats.sql import Sql
from app.workers.models import Worker, WorkerSkill
from app.workers.schemas import TargetGroup

GROUPS: tuple[str, ...] = TargetGroup.__args__
MAX_BUCKETS = 400
ALL = "all"


def scope(principal: Principal, filters: Filters) -> tuple[Filters, str]:
    """Admins and inspectors see the whole city; a market only what it registered (its
    postings and front-desk workers), whatever market_id it asks for."""
    if principal.is_admin or principal.role is Role.inspector:
        return filters, "city"
    if principal.role is Role.market:
        if filters.market_id is not None and filters.market_id != principal.subject_id:
            raise NotFound(f"no market with id {filters.market_id}")
        return filters.model_copy(update={"market_id": principal.subject_id}), (
            f"market:{principal.subject_id}")
    raise Forbidden("statistics are for the bureau, inspectors and markets")


def check_range(filters: Filters, interval: str | None = None) -> None:
    if filters.to_date < filters.from_date:
        raise Unprocessable("to_date is before from_date", errors=[
            {"parameter": "to_date", "in": "query", "detail": "must not be before from_date"}])
    days = (filters.to_date - filters.from_date).days + 1
    if interval is not None and days // (7 if interval == "week" else 1) > MAX_BUCKETS:
        raise Unprocessable(f"at most {MAX_BUCKETS} {interval}s per series", errors=[
            {"parameter": "from_date", "in": "query", "detail": "range too long for the interval"}])


def _job_filters(stmt: Select, f: Filters) -> Select:
    if f.district_code is not None:
        stmt = stmt.where(Job.district_code == f.district_code)
    if f.employment_type is not None:
        stmt = stmt.where(Job.employment_type == f.employment_type)
    if f.market_id is not None:
        stmt = stmt.where(Job.registered_by_market_id == f.market_id)
    if f.skill is not None:
        stmt = stmt.where(select(JobSkill.job_id).where(
            JobSkill.job_id == Job.id, JobSkill.skill_code == f.skill).exists())
    return stmt


def _bounds(f: Filters):
    return start_of_day(f.from_date), start_of_day(f.to_date, 1)


class _Queries:
    """The figures for one filter, grouped by `k`: a bucket label, or one constant group."""

    def __init__(self, session: AsyncSession, f: Filters, interval: str | None) -> None:
        self.session, self.f, self.sql, self.interval = session, f, Sql.of(session), interval
        self.since, self.until = _bounds(f)

    def key(self, moment):
        return (self.sql.bucket(moment, self.interval) if self.interval
                else literal(ALL)).label("k")

    def postings(self):
        return _job_filters(select(
            Job.id, Job.headcount, Job.wage_amount, Job.wage_unit, Job.published_at,
            self.key(Job.published_at),
        ).where(Job.published_at >= self.since, Job.published_at < self.until), self.f).subquery()

    async def figures(self) -> dict[str, dict]:
        jobs = self.postings()
        out: dict[str, dict] = {}

        def at(k):
            return out.setdefault(k, {"postings": 0, "positions": 0, "hires": 0,
                                      "filled_positions": 0, "median_wage_by_unit": {}})

        for k, n, positions in await self.session.execute(
            select(jobs.c.k, func.count(), func.coalesce(func.sum(jobs.c.headcount), 0))
            .group_by(jobs.c.k)
        ):
            at(k).update(postings=int(n), positions=int(positions))

        # Hires, by their own time (the posting may be older than the range).
        hires = _job_filters(
            select(self.key(Engagement.hired_at), func.count()).select_from(Engagement)
            .join(Job, Job.id == Engagement.job_id)
            .where(Engagement.status.in_(FILLED_STATUSES), Engagement.hired_at >= self.since,
                   Engagement.hired_at < self.until), self.f,
        ).group_by("k")
        for k, n in await self.session.execute(hires):
            at(k)["hires"] = int(n)

        ranked = (
            select(Engagement.job_id, Engagement.hired_at, func.row_number().over(
                partition_by=Engagement.job_id,
                order_by=(Engagement.hired_at, Engagement.id)).label("nth"))
            .join(jobs, jobs.c.id == Engagement.job_id)
            .where(Engagement.status.in_(FILLED_STATUSES))
        ).subquery()
        per_job = (
            select(jobs.c.k, jobs.c.headcount, func.max(ranked.c.nth).label("hired"))
            .join(ranked, ranked.c.job_id == jobs.c.id).group_by(jobs.c.id, jobs.c.k,
                                                                 jobs.c.headcount)
        ).subquery()
        filled = case((per_job.c.hired > per_job.c.headcount, per_job.c.headcount),
                      else_=per_job.c.hired)
        for k, n in await self.session.execute(
            select(per_job.c.k, func.sum(filled)).group_by(per_job.c.k)
        ):
            at(k)["filled_positions"] = int(n)

        # Medians: the time to fill, the time to first match, the wage per unit.
        fill = (select(jobs.c.k.label("k"),
                       self.sql.seconds(ranked.c.hired_at, jobs.c.published_at).label("v"))
                .join(ranked, ranked.c.job_id == jobs.c.id)
                .where(ranked.c.nth == jobs.c.headcount)).subquery()
        for k, v in (await self.sql.medians(self.session, fill)).items():
            at(k)["median_time_to_fill_seconds"] = round(v, 3)

        contacts = union_all(*(
            select(t.job_id.label("job_id"), t.created_at.label("at"))
            .where(t.job_id.in_(select(jobs.c.id)))
            for t in (Application, Offer, Engagement)
        )).subquery()
        first = select(contacts.c.job_id, func.min(contacts.c.at).label("at")).group_by(
            contacts.c.job_id).subquery()
        wait = self.sql.seconds(first.c.at, jobs.c.published_at)
        match = (select(jobs.c.k.label("k"), case((wait < 0, 0.0), else_=wait).label("v"))
                 .join(first, first.c.job_id == jobs.c.id)).subquery()
        for k, v in (await self.sql.medians(self.session, match)).items():
            at(k)["median_time_to_first_match_seconds"] = round(v, 3)

        wages = select(
            (jobs.c.k + literal("|") + jobs.c.wage_unit).label("k"), jobs.c.wage_amount.label("v")
        ).subquery()
        for k_unit, v in (await self.sql.medians(self.session, wages)).items():
            k, unit = k_unit.rsplit("|", 1)
            at(k)["median_wage_by_unit"][unit] = round(v, 1)

        for row in out.values():
            row["fill_rate"] = (round(row["filled_positions"] / row["positions"], 4)
                                if row["positions"] else None)
        return out


def _empty() -> dict:
    return {"postings": 0, "positions": 0, "hires": 0, "filled_positions": 0, "fill_rate": None,
            "median_time_to_first_match_seconds": None, "median_time_to_fill_seconds": None,
            "median_wage_by_unit": {}}


async def _workers(session: AsyncSession, f: Filters) -> tuple[int, dict[str, int]]:
    """Active workers, and how many are in each target group (one scan: the groups are a
    closed list, looked for in the JSON text, which works the same on both backends)."""
    text = cast(Worker.target_groups, String)
    stmt = select(func.count(), *(
        func.coalesce(func.sum(case((text.like(f'%"{g}"%'), 1), else_=0)), 0) for g in GROUPS
    )).where(Worker.status == "active")
    if f.district_code is not None:
        stmt = stmt.where(Worker.district_code == f.district_code)
    if f.market_id is not None:
        stmt = stmt.where(Worker.registered_by_market_id == f.market_id)
    if f.skill is not None:
        stmt = stmt.where(select(WorkerSkill.worker_id).where(
            WorkerSkill.worker_id == Worker.id, WorkerSkill.skill_code == f.skill).exists())
    total, *counts = (await session.execute(stmt)).one()
    return int(total), {g: int(n) for g, n in zip(GROUPS, counts, strict=True)}


async def overview(session: AsyncSession, principal: Principal, filters: Filters) -> OverviewOut:
    f, where = scope(principal, filters)
    check_range(f)
    figures = (await _Queries(session, f, None).figures()).get(ALL) or _empty()
    open_jobs = await session.scalar(
        _job_filters(select(func.count()).select_from(Job).where(Job.status == "open"), f))
    total, groups = await _workers(session, f)
    owed = await arrears.arrears_summary(session, f.to_date, arrears.ArrearsFilter(
        district_code=f.district_code, market_id=f.market_id,
        employment_type=f.employment_type, skill_code=f.skill))
    return OverviewOut(
        **{**_empty(), **figures}, scope=where, filters=f, open_jobs=int(open_jobs or 0),
        workers_active=total, workers_by_target_group=groups,
        arrears=ArrearsOut(engagements=owed.count, outstanding_fen=owed.outstanding_fen,
                           employers=owed.employers, workers=owed.workers),
    )


def bucket_starts(f: Filters, interval: str) -> list[date]:
    first = f.from_date
    if interval == "week":
        first -= timedelta(days=first.weekday())
    step = timedelta(days=7 if interval == "week" else 1)
    out = []
    while first <= f.to_date:
        out.append(first)
        first += step
    return out


async def timeseries(
    session: AsyncSession, principal: Principal, filters: Filters, interval: str
) -> TimeseriesOut:
    f, where = scope(principal, filters)
    check_range(f, interval)
    figures = await _Queries(session, f, interval).figures()
    return TimeseriesOut(
        scope=where, filters=f, interval=interval,
        buckets=[Bucket(start_date=day, **{**_empty(), **figures.get(day.isoformat(), {})})
                 for day in bucket_starts(f, interval)],
    )
