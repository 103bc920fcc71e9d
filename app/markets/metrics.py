"""Indicators computed from GigMarket's own data for a market's postings.

`summarise` is the pure rule (testable alone); `platform_values` gathers the facts with a few
aggregate queries. A market's postings are the jobs it registered (jobs.registered_by_market_id)
and published within the window ending at `as_of`. A posting's first match is its earliest
application, offer or engagement (applications and offers count once their tables exist).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import Base, UTCDateTime
from app.engagements.models import LIVE_STATUSES, Engagement
from app.jobs.models import Job, JobSkill

# Engagements that filled a slot (live or finished); cancellations and no-shows do not.
FILLED_STATUSES = (*LIVE_STATUSES, "completed", "paid")
MIN_DESCRIPTION_CHARS = 10


@dataclass(frozen=True)
class PostingFacts:
    published_at: datetime
    headcount: int
    complete: bool
    first_match_at: datetime | None
    hires: int


def is_complete(description: str, address: str, recognised_skills: int) -> bool:
    """Complete information: duties described, a recognised skill and an address (title,
    headcount, times and wage are required on every posting already)."""
    return (
        len((description or "").strip()) >= MIN_DESCRIPTION_CHARS
        and bool((address or "").strip())
        and recognised_skills > 0
    )


def summarise(postings: Iterable[PostingFacts]) -> dict[str, float | bool | None]:
    """The metric values the standard's computed indicators name (see METRICS)."""
    postings = list(postings)
    n = len(postings)
    waits = [
        max(0.0, (p.first_match_at - p.published_at).total_seconds() / 3600)
        for p in postings if p.first_match_at is not None
    ]
    slots = sum(p.headcount for p in postings)
    filled = sum(min(p.hires, p.headcount) for p in postings)
    return {
        "postings_published": n,
        "complete_info_share": round(100 * sum(p.complete for p in postings) / n, 1) if n else None,
        "median_hours_to_first_match": round(statistics.median(waits), 1) if waits else None,
        "fill_rate": round(100 * filled / slots, 1) if slots else None,
        "online_channel": bool(waits),
    }


def _match_tables() -> list[Table]:
    """Tables whose rows mark a posting's first match: engagements, and applications and offers
    where the engagements domain has registered them."""
    tables = [Engagement.__table__]
    for name in ("applications", "offers"):
        table = Base.metadata.tables.get(name)
        if table is not None and {"job_id", "created_at"} <= set(table.c.keys()):
            tables.append(table)
    return tables


async def platform_values(
    session: AsyncSession, market_id: int, as_of: datetime, window_days: int
) -> dict[str, float | bool | None]:
    since = as_of - timedelta(days=window_days)
    window = (
        select(Job.id)
        .where(
            Job.registered_by_market_id == market_id,
            Job.published_at.is_not(None),
            Job.published_at > since,
            Job.published_at <= as_of,
        )
        .scalar_subquery()
    )
    jobs = (
        await session.execute(
            select(Job.id, Job.description, Job.address, Job.headcount, Job.published_at)
            .where(Job.id.in_(window))
        )
    ).all()
    if not jobs:
        return summarise([])
    skills = dict(
        (
            await session.execute(
                select(JobSkill.job_id, func.count(JobSkill.skill_code))
                .where(JobSkill.job_id.in_(window))
                .group_by(JobSkill.job_id)
            )
        ).all()
    )
    firsts = union_all(*(
        select(t.c.job_id.label("job_id"), t.c.created_at.label("at"))
        .where(t.c.job_id.in_(window), t.c.created_at <= as_of)
        for t in _match_tables()
    )).subquery()
    first_match = {
        job_id: at
        for job_id, at in (
            await session.execute(
                select(firsts.c.job_id, func.min(firsts.c.at, type_=UTCDateTime()))
                .group_by(firsts.c.job_id)
            )
        ).all()
    }
    hires = dict(
        (
            await session.execute(
                select(Engagement.job_id, func.count())
                .where(
                    Engagement.job_id.in_(window),
                    Engagement.status.in_(FILLED_STATUSES),
                    Engagement.created_at <= as_of,
                )
                .group_by(Engagement.job_id)
            )
        ).all()
    )
    return summarise(
        PostingFacts(
            published_at=row.published_at,
            headcount=row.headcount,
            complete=is_complete(row.description, row.address, skills.get(row.id, 0)),
            first_match_at=first_match.get(row.id),
            hires=hires.get(row.id, 0),
        )
        for row in jobs
    )

