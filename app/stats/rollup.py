"""The statistics roll-up: per-posting facts, folded in by a sweep with a watermark.

A report's expensive part is deriving, per posting, its positions filled and its times to
fill and to first contact from every engagement, application and offer. The sweep derives
them once into `stats_job_facts` and moves the watermark; a report reads the facts of the
postings that have not changed since the watermark and derives the changed ones live with the
very same SQL, so its figures are exactly the raw path's whatever the sweep's lag (only its
speed depends on it). Medians stay exact: they are taken over the per-posting values, never
over pre-aggregated buckets.

"Changed" means: the posting, or any of its engagements, applications or offers, has an
`updated_at` at or after the watermark (every ORM and Core update stamps it). The watermark is
set to the sweep's start minus WATERMARK_MARGIN, so a transaction that stamped a row before the
sweep began but committed after it had read is still seen as changed by the next one; a
transaction open longer than the margin is the one case this does not cover. Rows deleted
from those tables are not detected (the service never deletes them).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import delete, insert, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import utcnow
from app.engagements.models import Application, Engagement, Offer
from app.jobs.models import Job
from app.stats.models import StatsJobFact, StatsRollupState

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
    else:
        ids = [r for (r,) in await session.execute(changed_since(state))]
        count = 0
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i:i + CHUNK]
            await session.execute(delete(StatsJobFact).where(StatsJobFact.job_id.in_(chunk)))
            count += await _fold(session, queries, chunk)
    await session.execute(update(StatsRollupState).where(StatsRollupState.id == 1)
                          .values(watermark_at=started - margin))
    return {"changed": None if ids is None else len(ids), "facts_written": count,
            "watermark_at": (started - margin).isoformat()}


async def _fold(session: AsyncSession, queries, only: list[int] | None) -> int:
    rows = queries.per_job(only=only, in_range=False).subquery()
    result = await session.execute(
        insert(StatsJobFact).from_select(FACT_COLUMNS, select(*(rows.c[c] for c in FACT_COLUMNS)))
    )
    return result.rowcount or 0
