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

from sqlalchemy import (
    Float,
    Select,
    String,
    case,
    cast,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Role
from app.common.problems import Forbidden, NotFound, Unprocessable
from app.engagements import arrears
from app.engagements.models import Application, Engagement, Offer
from app.engagements.pay import start_of_day
from app.jobs.filters import job_conditions
from app.jobs.models import Job, JobSkill
from app.markets.metrics import FILLED_STATUSES
from app.stats import daily
from app.stats.daily import ALL
from app.stats.models import StatsJobFact
from app.stats.rollup import changed_since, read_watermark, worker_counts, worker_filter
from app.stats.schemas import ArrearsOut, Bucket, Filters, OverviewOut, TimeseriesOut
from app.stats.sql import Sql, median_of
from app.workers.models import Worker
from app.workers.schemas import TargetGroup

GROUPS: tuple[str, ...] = TargetGroup.__args__
MAX_BUCKETS = 400
WORK_MEM = "128MB"  # for the roll-up's one-pass statement (PostgreSQL, this transaction only)
MAX_LISTED = 5000
# What a report reads of each posting (the sweep also writes the posting's dimensions).
READ_COLUMNS = ("k", "headcount", "wage_unit", "wage_amount", "filled", "fill_s", "match_s")  # changed postings passed to the roll-up query as a list


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


def _posting_filter(f: Filters) -> dict:
    return {"district_code": f.district_code, "employment_type": f.employment_type,
            "market_id": f.market_id, "skill_code": f.skill}


def _job_filters(stmt: Select, f: Filters) -> Select:
    return stmt.where(*job_conditions(**_posting_filter(f)))


def _bounds(f: Filters):
    return start_of_day(f.from_date), start_of_day(f.to_date, 1)


class _Queries:
    """The figures for one filter, grouped by `k`: a bucket label, or one constant group.

    `rollup=True` reads what the sweep wrote and derives live only the postings changed since
    its watermark: the days (app/stats/daily.py) where the filters allow and `days` is left on,
    else the per-posting facts (app/stats/rollup.py); `rollup=False` derives every posting
    from the raw rows (the reference the roll-up is tested and benchmarked against)."""

    def __init__(self, session: AsyncSession, f: Filters, interval: str | None,
                 rollup: bool = True, days: bool = True) -> None:
        self.session, self.f, self.interval = session, f, interval
        self.sql = Sql.of(session, arrays=rollup)
        self.since, self.until = _bounds(f)
        self.rollup, self.days = rollup, days
        self.watermark = None  # as read by changes()

    def key(self, moment):
        return (self.sql.bucket(moment, self.interval) if self.interval
                else literal(ALL)).label("k")

    def postings(self, only=None, in_range: bool = True):
        stmt = select(
            Job.id, Job.headcount, Job.wage_amount, Job.wage_unit, Job.published_at,
            Job.district_code, Job.employment_type, Job.registered_by_market_id.label("market_id"),
            self.key(Job.published_at),
        ).where(Job.published_at.is_not(None))
        if in_range:
            stmt = _job_filters(stmt.where(Job.published_at >= self.since,
                                           Job.published_at < self.until), self.f)
        if only is not None:
            stmt = stmt.where(Job.id.in_(only))
        return stmt.subquery()

    def per_job(self, only=None, in_range: bool = True):
        """One row per posting (in the range, or all published ones): its group, dimensions,
        headcount, positions filled, seconds from publication to the hire that reached the
        headcount and to its first contact. One pass over the postings' engagements (a
        row_number among the filled ones) and one over applications and offers."""
        jobs = self.postings(only, in_range)
        filled = Engagement.status.in_(FILLED_STATUSES)
        ranked = (
            select(Engagement.job_id, Engagement.created_at, filled.label("filled"),
                   func.row_number().over(partition_by=(Engagement.job_id, filled),
                                          order_by=(Engagement.created_at, Engagement.id))
                   .label("nth"), jobs.c.headcount)
            .join(jobs, jobs.c.id == Engagement.job_id)
        ).subquery()
        engaged = select(
            ranked.c.job_id,
            func.max(case((ranked.c.filled, ranked.c.nth))).label("hired"),
            func.max(case(((ranked.c.filled & (ranked.c.nth == ranked.c.headcount)),
                           ranked.c.created_at))).label("filled_at"),
            func.min(ranked.c.created_at).label("first_engaged_at"),
        ).group_by(ranked.c.job_id).subquery()
        contacts = union_all(*(
            select(t.job_id.label("job_id"), t.created_at.label("at"))
            .where(t.job_id.in_(select(jobs.c.id)))
            for t in (Application, Offer)
        )).subquery()
        asked = select(contacts.c.job_id, func.min(contacts.c.at).label("at")).group_by(
            contacts.c.job_id).subquery()
        first = self.sql.least(asked.c.at, engaged.c.first_engaged_at)
        wait = self.sql.seconds(first, jobs.c.published_at)
        hired = func.coalesce(engaged.c.hired, 0)
        return (
            select(
                jobs.c.k, jobs.c.id.label("job_id"), jobs.c.published_at, jobs.c.district_code,
                jobs.c.employment_type, jobs.c.market_id, jobs.c.headcount, jobs.c.wage_unit,
                jobs.c.wage_amount,
                case((hired > jobs.c.headcount, jobs.c.headcount), else_=hired).label("filled"),
                self.sql.seconds(engaged.c.filled_at, jobs.c.published_at).label("fill_s"),
                case((wait < 0, 0.0), else_=wait).label("match_s"),
            )
            .outerjoin(engaged, engaged.c.job_id == jobs.c.id)
            .outerjoin(asked, asked.c.job_id == jobs.c.id)
        )

    def from_facts(self, changed):
        """The facts of postings in the range that have not changed since the watermark."""
        F = StatsJobFact
        stmt = select(self.key(F.published_at), *(F.__table__.c[n] for n in READ_COLUMNS[1:]))
        stmt = stmt.where(F.published_at >= self.since, F.published_at < self.until)
        if changed is not None:
            # A subquery, not a list: NOT IN (subquery) is one hashed lookup per row.
            stmt = stmt.where(F.job_id.not_in(changed))
        f = self.f
        if f.district_code is not None:
            stmt = stmt.where(F.district_code == f.district_code)
        if f.employment_type is not None:
            stmt = stmt.where(F.employment_type == f.employment_type)
        if f.market_id is not None:
            stmt = stmt.where(F.market_id == f.market_id)
        if f.skill is not None:
            stmt = stmt.where(select(JobSkill.job_id).where(
                JobSkill.job_id == F.job_id, JobSkill.skill_code == f.skill).exists())
        return stmt

    async def changes(self) -> list[int] | None:
        """Postings changed since the sweep's watermark (at most MAX_LISTED + 1 of them), or
        None when there are no facts to correct (never swept, or the raw path)."""
        self.watermark = await read_watermark(self.session) if self.rollup else None
        if (watermark := self.watermark) is None:
            return None
        return list(await self.session.scalars(changed_since(watermark).limit(MAX_LISTED + 1)))

    async def source(self, changed: list[int] | None):
        """Every posting in the range as a row of READ_COLUMNS: its fact, or derived live."""
        if changed is None:
            return self.per_job().subquery()
        if not changed:
            return self.from_facts(None).subquery()
        since = changed_since(self.watermark)  # the watermark `changed` was listed by
        # Usually a few: as a list, each is looked up by id (a subquery makes the planner scan
        # the whole range and hash-join).
        live = self.per_job(only=changed if len(changed) <= MAX_LISTED else since).subquery()
        return union_all(
            self.from_facts(since),
            select(*(live.c[name] for name in READ_COLUMNS)),
        ).subquery()

    async def _by_aggregates(self, per_job, at) -> None:
        """SQL aggregates and medians (percentile_cont on PostgreSQL): the raw path's way."""
        summary = await self.sql.summary(
            self.session, per_job,
            sums={"postings": func.count(), "positions": func.sum(per_job.c.headcount),
                  "filled_positions": func.sum(per_job.c.filled)},
            medians={"median_time_to_fill_seconds": per_job.c.fill_s,
                     "median_time_to_first_match_seconds": per_job.c.match_s},
        )
        for k, values in summary.items():
            row = at(k)
            for name, value in values.items():
                if name.startswith("median"):
                    row[name] = round(value, 3) if value is not None else None
                else:
                    row[name] = int(value or 0)
        wages = select(
            (per_job.c.k + literal("|") + per_job.c.wage_unit).label("k"),
            per_job.c.wage_amount.label("v"),
        ).subquery()
        for k_unit, v in (await self.sql.medians(self.session, wages)).items():
            k, unit = k_unit.rsplit("|", 1)
            at(k)["median_wage_by_unit"][unit] = round(v, 1)

    async def _one_pass(self, per_job, at) -> None:
        """The same figures in one scan (PostgreSQL): sums and the values to take medians of,
        per group and wage unit; medians exact by Sql's median_of (percentile_cont's own
        arithmetic)."""
        c = per_job.c
        stmt = select(
            c.k, c.wage_unit, func.count(), func.sum(c.headcount), func.sum(c.filled),
            func.array_agg(c.fill_s).filter(c.fill_s.is_not(None)),
            func.array_agg(c.match_s).filter(c.match_s.is_not(None)),
            func.array_agg(cast(c.wage_amount, Float)),
        ).group_by(c.k, c.wage_unit)
        # A year city-wide gathers ~1M values per column: grouped in memory by hashing (a sort
        # of a million rows by their text keys took longer than the whole scan).
        await self.session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        await self.session.execute(text("SET LOCAL enable_sort = off"))
        rows = (await self.session.execute(stmt)).all()
        await self.session.execute(text("SET LOCAL work_mem TO DEFAULT"))
        await self.session.execute(text("SET LOCAL enable_sort TO DEFAULT"))
        groups: dict[str, list] = {}
        for k, unit, n, positions, filled, fills, matches, wages in rows:
            g = groups.setdefault(k, [0, 0, 0, [], []])
            g[0] += n
            g[1] += positions or 0
            g[2] += filled or 0
            g[3].extend(fills or ())
            g[4].extend(matches or ())
            at(k)["median_wage_by_unit"][unit] = round(median_of(wages), 1)
        for k, (n, positions, filled, fills, matches) in groups.items():
            row = at(k)
            row.update(postings=int(n), positions=int(positions), filled_positions=int(filled))
            for name, values in (("median_time_to_fill_seconds", fills),
                                 ("median_time_to_first_match_seconds", matches)):
                m = median_of(values)
                row[name] = round(m, 3) if m is not None else None

    async def figures(self) -> dict[str, dict]:
        out: dict[str, dict] = {}

        def at(k):
            return out.setdefault(k, _empty())

        changed, found = await self.changes(), None
        while (self.days and changed is not None and len(changed) <= MAX_LISTED
               and daily.applies(self.f)):
            found = await daily.report(self, changed)
            # The days and the changed postings' facts are read by separate statements: a
            # sweep committing between them would pair old days with new facts. It moves the
            # watermark in the same transaction, so an unmoved watermark means none did.
            if self.watermark == await read_watermark(self.session):
                break
            changed, found = await self.changes(), None
        if found is not None:
            for k, values in found.items():
                at(k).update(values)
        else:
            per_job = await self.source(changed)
            if self.sql.arrays:
                await self._one_pass(per_job, at)
            else:
                await self._by_aggregates(per_job, at)

        # Hires, by their own time (the posting may be older than the range).
        hires = (select(self.key(Engagement.created_at), func.count()).select_from(Engagement)
                 .where(Engagement.status.in_(FILLED_STATUSES),
                        Engagement.created_at >= self.since, Engagement.created_at < self.until))
        # Every engagement has its posting: the join only matters to a filter on the posting.
        if not self.rollup or job_conditions(**_posting_filter(self.f)):
            hires = _job_filters(hires.join(Job, Job.id == Engagement.job_id), self.f)
        hires = hires.group_by("k")
        for k, n in await self.session.execute(hires):
            at(k)["hires"] = int(n)

        for row in out.values():
            row["fill_rate"] = (round(row["filled_positions"] / row["positions"], 4)
                                if row["positions"] else None)
        return out


def _empty() -> dict:
    return {"postings": 0, "positions": 0, "hires": 0, "filled_positions": 0, "fill_rate": None,
            "median_time_to_first_match_seconds": None, "median_time_to_fill_seconds": None,
            "median_wage_by_unit": {}}


async def _workers(
    session: AsyncSession, f: Filters, rollup: bool = False
) -> tuple[int, dict[str, int]]:
    """Active workers, and how many are in each target group (raw: one scan, the groups being
    a closed list looked for in the JSON text, the same on both backends; or the roll-up)."""
    if rollup and (watermark := await read_watermark(session)) is not None:
        return await worker_counts(session, watermark, district_code=f.district_code,
                                   market_id=f.market_id, skill=f.skill)
    text = cast(Worker.target_groups, String)
    stmt = select(func.count(), *(
        func.coalesce(func.sum(case((text.like(f'%"{g}"%'), 1), else_=0)), 0) for g in GROUPS
    )).where(Worker.status == "active")
    stmt = worker_filter(stmt, Worker.district_code, Worker.registered_by_market_id, Worker.id,
                         district_code=f.district_code, market_id=f.market_id, skill=f.skill)
    total, *counts = (await session.execute(stmt)).one()
    return int(total), {g: int(n) for g, n in zip(GROUPS, counts, strict=True)}


async def _plan_each_time(session: AsyncSession) -> None:
    """On PostgreSQL, plans each statement for its parameters. asyncpg prepares statements and
    after five runs PostgreSQL may switch to a generic plan, blind to how selective a filter
    is: at 1M postings it read the whole facts table for one skill (1.2 s against 0.45 s).
    Planning a report's statements takes milliseconds."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


async def overview(
    session: AsyncSession, principal: Principal, filters: Filters, *, rollup: bool = True,
    days: bool = True,
) -> OverviewOut:
    f, where = scope(principal, filters)
    check_range(f)
    await _plan_each_time(session)
    figures = (await _Queries(session, f, None, rollup, days).figures()).get(ALL) or _empty()
    open_jobs = await session.scalar(
        _job_filters(select(func.count()).select_from(Job).where(Job.status == "open"), f))
    total, groups = await _workers(session, f, rollup)
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
    session: AsyncSession, principal: Principal, filters: Filters, interval: str, *,
    rollup: bool = True, days: bool = True,
) -> TimeseriesOut:
    f, where = scope(principal, filters)
    check_range(f, interval)
    await _plan_each_time(session)
    figures = await _Queries(session, f, interval, rollup, days).figures()
    return TimeseriesOut(
        scope=where, filters=f, interval=interval,
        buckets=[Bucket(start_date=day, **{**_empty(), **figures.get(day.isoformat(), {})})
                 for day in bucket_starts(f, interval)],
    )
