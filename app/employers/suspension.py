"""Taking postings off the market without closing them (a substantiated complaint, an
agency's lapsed licence): they leave the match index and raise job.suspended."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.events.service import record_event
from app.jobs.models import Job
from app.matching.index import drop_jobs

SUSPENDABLE = ("pending_review", "open", "filled")


async def suspend_jobs(session: AsyncSession, jobs: list[Job], reason: str) -> int:
    taken = [j for j in jobs if j.status in SUSPENDABLE]
    for job in taken:
        job.status, job.suspension_reason = "suspended", reason
    if not taken:
        return 0
    await session.flush()
    await drop_jobs(session, [j.id for j in taken])
    for job in taken:
        record_event(
            session, "job.suspended", resource_type="job", resource_id=job.id,
            data={"id": job.id, "employer_id": job.employer_id, "status": job.status,
                  "reason": reason},
            employer_id=job.employer_id, market_id=job.registered_by_market_id,
        )
    return len(taken)


async def suspend_employer_jobs(session: AsyncSession, employer_id: int, reason: str) -> int:
    jobs = list(await session.scalars(
        select(Job).where(Job.employer_id == employer_id, Job.status.in_(SUSPENDABLE))
        .order_by(Job.id).with_for_update()
    ))
    return await suspend_jobs(session, jobs, reason)
