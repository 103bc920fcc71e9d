"""The statistics roll-up: per-posting facts, folded in by a sweep with a watermark.

A report's expensive part is deriving, per posting, its positions filled and its times to
fill and to first contact from every engagement, application and offer. The sweep derives
them once into `stats_job_facts` and moves the watermark; a report reads the facts of the
postings that have not changed since the watermark and derives the changed ones live with the
very same SQL, so its figures are exactly the raw path's whatever the sweep's lag (only its
speed depends on it). The same sweep then re-folds every day whose facts it rewrote into
`stats_days` (app/stats/daily.py), which city-wide and district/type reports read instead.
Medians stay exact: they are taken over the per-posting values (kept, packed, in the days),
never over pre-aggregated buckets.

"Changed" means: the posting, or any of its engagements, applications or offers, has an
`updated_at` at or after the watermark (every ORM and Core update stamps it). The watermark is
set to the sweep's start minus WATERMARK_MARGIN, so a transaction that stamped a row before the
sweep began but committed after it had read is still seen as changed by the next one; a
transaction open longer than the margin is the one case this does not cover. Rows deleted
from those tables are not detected (the service never deletes them).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    String,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    union,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.engagements.models import Application, Engagement, Offer
from app.jobs.models import Job
from app.stats import daily
from app.stats.models import StatsJobFact, StatsRollupState, StatsWorkerCount, StatsWorkerFact
from app.workers.models import Worker, WorkerSkill
from app.workers.schemas import TargetGroup

GROUPS: tuple[str, ...] = TargetGroup.__args__

WATERMARK_MARGIN = timedelta(minutes=5)
FACT_COLUMNS = ("job_id", "published_at", "district_code", "employment_type", "market_id",
                "headcount", "wage_unit", "wage_amount", "filled", "fill_s", "match_s")
CHUNK = 5000


def changed_since(watermark: datetime):
    """Ids of postings whose figures may differ from their facts (a selectable)."""
    return union(
        select(Job.id.label("job_id")).where(Job.updated_at >= watermark),
        *(select(t.job_id.label("job_id")).where(t.updated_at >= watermark)
          for t in (Engagement, Application, Offer)),
    )


async def read_watermark(session: AsyncSession) -> datetime | None:
    return await session.scalar(select(StatsRollupState.watermark_at)
                                .where(StatsRollupState.id == 1))


async def sweep(session: AsyncSession, margin: timedelta = WATERMARK_MARGIN) -> dict:
    """Folds every change since the watermark into the facts (all postings the first time);
    the caller commits. Sweeps are serialised by the state row's lock."""
    from app.stats.schemas import Filters
    from app.stats.service import _Queries

    started = utcnow()
    state = await session.scalar(
        select(StatsRollupState.watermark_at).where(StatsRollupState.id == 1).with_for_update())
    # No range and no filter: every published posting (in_range=False below).
    any_day = date(2000, 1, 1)
    queries = _Queries(session, Filters(from_date=any_day, to_date=any_day), None, rollup=False)
    if state is None:
        await session.execute(delete(StatsJobFact))
        ids = None
        count = await _fold(session, queries, None)
        days = await daily.rebuild(session, None)
    else:
        ids = [r for (r,) in await session.execute(changed_since(state))]
        count = 0
        touched: set = set()  # the days whose facts change: before and after (a re-dated posting)
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i:i + CHUNK]
            touched |= await daily.fact_days(session, chunk)
            await session.execute(delete(StatsJobFact).where(StatsJobFact.job_id.in_(chunk)))
            count += await _fold(session, queries, chunk)
            touched |= await daily.fact_days(session, chunk)
        days = await daily.rebuild(session, touched)
    await _sweep_workers(session, state)
    if state is None and session.get_bind().dialect.name == "postgresql":
        # Fresh statistics for the planner: a year's facts are a million rows, not a few.
        await session.execute(text("ANALYZE stats_job_facts, stats_days, stats_worker_facts"))
    await session.execute(update(StatsRollupState).where(StatsRollupState.id == 1)
                          .values(watermark_at=started - margin))
    return {"changed": None if ids is None else len(ids), "facts_written": count,
            "day_rows_written": days,
            "watermark_at": (started - margin).isoformat()}


async def _fold(session: AsyncSession, queries, only: list[int] | None) -> int:
    rows = queries.per_job(only=only, in_range=False).subquery()
    result = await session.execute(
        insert(StatsJobFact).from_select(FACT_COLUMNS, select(*(rows.c[c] for c in FACT_COLUMNS)))
    )
    return result.rowcount or 0


# -- workers by target group ----------------------------------------------------------------
# Counted the raw way (app/stats/service.py: one scan of every active worker, ~0.9 s at 1M) or
# from the roll-up: counts by district × market × set of groups, corrected for the workers
# changed since the watermark (their facts as swept are taken off, their rows as they are now
# put on). Exact, like the postings' figures.

def groups_mask(target_groups) -> ColumnElement[int]:
    """Bit i set when the worker is in GROUPS[i]: the raw count's own test, on the JSON text."""
    text_ = cast(target_groups, String)
    return sum((case((text_.like(f'%"{g}"%'), 1 << i), else_=0)
                for i, g in enumerate(GROUPS)), literal(0))


def worker_filter(stmt, district, market, worker_id, *, district_code: str | None,
                  market_id: int | None, skill: str | None):
    """Workers in this district / registered by this market / with this skill, on any table
    that carries a worker's district, market and id (workers, or their facts)."""
    if district_code is not None:
        stmt = stmt.where(district == district_code)
    if market_id is not None:
        stmt = stmt.where(market == market_id)
    if skill is not None:
        stmt = stmt.where(select(WorkerSkill.worker_id).where(
            WorkerSkill.worker_id == worker_id, WorkerSkill.skill_code == skill).exists())
    return stmt


def _changed_workers(watermark: datetime):
    return select(Worker.id).where(Worker.updated_at >= watermark)


async def _sweep_workers(session: AsyncSession, watermark: datetime | None) -> None:
    F = StatsWorkerFact
    live = select(Worker.id, Worker.district_code, Worker.registered_by_market_id,
                  groups_mask(Worker.target_groups)).where(Worker.status == "active")
    columns = ("worker_id", "district_code", "market_id", "groups_mask")
    if watermark is None:
        await session.execute(delete(F))
        await session.execute(insert(F).from_select(columns, live))
    else:
        ids = [r for (r,) in await session.execute(_changed_workers(watermark))]
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i:i + CHUNK]
            await session.execute(delete(F).where(F.worker_id.in_(chunk)))
            await session.execute(insert(F).from_select(columns,
                                                        live.where(Worker.id.in_(chunk))))
    await session.execute(delete(StatsWorkerCount))
    await session.execute(insert(StatsWorkerCount).from_select(
        ("district_code", "market_id", "groups_mask", "workers"),
        select(F.district_code, F.market_id, F.groups_mask, func.count())
        .group_by(F.district_code, F.market_id, F.groups_mask)))


async def worker_counts(
    session: AsyncSession, watermark: datetime, *, district_code: str | None,
    market_id: int | None, skill: str | None,
) -> tuple[int, dict[str, int]]:
    """Active workers and how many are in each target group, from the roll-up."""
    def where(stmt, district, market, worker_id):
        return worker_filter(stmt, district, market, worker_id, district_code=district_code,
                             market_id=market_id, skill=skill)

    F, C = StatsWorkerFact, StatsWorkerCount
    changed = _changed_workers(watermark)
    masks: Counter[int] = Counter()

    async def add(stmt, sign: int = 1) -> None:
        for mask, n in await session.execute(stmt):
            masks[int(mask)] += sign * int(n)

    if skill is None:
        await add(where(select(C.groups_mask, func.sum(C.workers)).group_by(C.groups_mask),
                        C.district_code, C.market_id, None))
        await add(where(select(F.groups_mask, func.count()).where(F.worker_id.in_(changed))
                        .group_by(F.groups_mask), F.district_code, F.market_id, F.worker_id), -1)
    else:
        await add(where(select(F.groups_mask, func.count()).where(F.worker_id.not_in(changed))
                        .group_by(F.groups_mask), F.district_code, F.market_id, F.worker_id))
    mask = groups_mask(Worker.target_groups).label("m")
    await add(where(select(mask, func.count()).where(Worker.id.in_(changed),
                                                     Worker.status == "active").group_by(mask),
                    Worker.district_code, Worker.registered_by_market_id, Worker.id))
    return sum(masks.values()), {
        g: sum(n for m, n in masks.items() if m >> i & 1) for i, g in enumerate(GROUPS)}
