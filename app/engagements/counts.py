"""How many live hires a job holds: the number every headcount check compares against."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.engagements.models import LIVE_STATUSES, Engagement


async def live_hires(session: AsyncSession, job_ids: list[int]) -> dict[int, int]:
    """Live (hired, checked in, checked out) engagements per job; jobs without any are absent.
    Callers that act on the count hold the job's lock (app.db.lock_row) while they read it."""
    if not job_ids:
        return {}
    return dict((await session.execute(
        select(Engagement.job_id, func.count()).where(
            Engagement.job_id.in_(job_ids), Engagement.status.in_(LIVE_STATUSES)
        ).group_by(Engagement.job_id)
    )).all())
