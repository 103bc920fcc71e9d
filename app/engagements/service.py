"""Engagements after the hire: reading them, cancellation, no-shows, and the locked load every
transition starts from (attendance.py, payments.py).

Each transition locks the engagement row (PostgreSQL) or takes the write lock (SQLite)
before it reads the state it checks, so two requests can never both move one engagement.
Lock order everywhere: job, then engagement, then worker.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.auth.principal import Principal
from app.common.problems import Conflict, field_error
from app.config import Settings
from app.db import begin_write
from app.engagements import access, states
from app.engagements.hiring import engagement_event, job_event, list_rows, lock_job
from app.engagements.models import LIVE_STATUSES, Engagement
from app.engagements.records import refresh_reliability
from app.engagements.schemas import CancelIn
from app.jobs import service as jobs_service
from app.jobs.models import Job

CLOCK_SKEW = timedelta(minutes=5)
HISTORY = (
    selectinload(Engagement.payments), selectinload(Engagement.disputes),
    selectinload(Engagement.ratings),
)


async def get_engagement(
    session: AsyncSession, principal: Principal, engagement_id: int, *, lock: bool = False
) -> Engagement:
    return await access.load_visible(
        session, principal, Engagement, engagement_id, lock=lock, extra=HISTORY
    )


async def locked_engagement(
    session: AsyncSession, principal: Principal, engagement_id: int
) -> Engagement:
    await begin_write(session)
    return await get_engagement(session, principal, engagement_id, lock=True)


async def list_engagements(
    session: AsyncSession, principal: Principal, *, limit: int, after_id: int | None,
    status: str | None = None, job_id: int | None = None, worker_id: int | None = None,
) -> list[Engagement]:
    rows = await list_rows(
        session, principal, Engagement, limit=limit, after_id=after_id, status=status,
        job_id=job_id, worker_id=worker_id,
    )
    if rows:
        # Histories for the whole page in three queries.
        await session.scalars(
            select(Engagement).where(Engagement.id.in_([r.id for r in rows])).options(*HISTORY)
        )
    return rows


async def settle_if_paid(session: AsyncSession, e: Engagement, paid_at: datetime) -> None:
    if e.status == "completed" and e.pay_due_fen > 0 and e.paid_fen >= e.pay_due_fen:
        e.status = states.target("settle", e.status)
        e.paid_at = paid_at
        await session.flush()
        engagement_event(session, "engagement.paid", e, paid_fen=e.paid_fen)


# ---- cancellation and no-shows -------------------------------------------------------------

def _cancelling_party(principal: Principal, e: Engagement, data: CancelIn) -> str:
    worker = access.worker_side(principal, e.worker)
    employer = access.employer_side(principal, e.job)
    if worker and employer:
        if data.party is None:
            raise field_error("/party", "say which side cancels: worker or employer")
        return data.party
    if data.party is not None and data.party != ("worker" if worker else "employer"):
        raise field_error("/party", "only admins cancel for the other side")
    return "worker" if worker else "employer"


async def cancel(
    session: AsyncSession, principal: Principal, engagement_id: int, data: CancelIn,
    settings: Settings, now: datetime,
) -> Engagement:
    e = await get_engagement(session, principal, engagement_id)
    party = _cancelling_party(principal, e, data)
    await begin_write(session)
    # The job first (it may reopen), then the engagement: the order every hire uses.
    job = await lock_job(session, e.job_id)
    e = await get_engagement(session, principal, engagement_id, lock=True)
    e.status = states.target(f"cancel_by_{party}", e.status)
    e.cancelled_at, e.cancel_reason = now, data.reason
    e.late_cancellation = now >= e.starts_at - timedelta(hours=settings.late_cancellation_hours)
    await session.flush()
    engagement_event(
        session, "engagement.cancelled", e, by=party, late=e.late_cancellation,
        reason=data.reason,
    )
    if now < e.starts_at and job.status == "filled":
        job.status = "open"
        await session.flush()
        job_event(session, "job.reopened", job)
    if party == "worker":
        await refresh_reliability(session, e.worker_id)
    return e


async def cancel_job(
    session: AsyncSession, principal: Principal, job_id: int, settings: Settings, now: datetime,
) -> Job:
    """Cancels a posting and, with it, the hires that have not started: nobody should turn up
    for work that no longer exists. Work already under way has wages attached, so a job with a
    checked-in or checked-out engagement is closed, never cancelled."""
    await jobs_service.get_managed_job(session, principal, job_id)  # 404 for other tenants
    await lock_job(session, job_id)
    hires = list(await session.scalars(
        select(Engagement).options(*HISTORY, *access.with_parties(Engagement))
        .where(Engagement.job_id == job_id, Engagement.status.in_(LIVE_STATUSES))
        .order_by(Engagement.id).with_for_update()
    ))
    started = [e.id for e in hires if e.status != "hired"]
    if started:
        raise Conflict(
            "work on this job has started; close it instead, so its wages stay owed",
            slug="job-work-started", engagement_ids=started,
        )
    job = await jobs_service.cancel_job(session, principal, job_id)
    for e in hires:
        e.status = states.target("cancel_by_employer", e.status)
        e.cancelled_at, e.cancel_reason = now, "the job was cancelled"
        e.late_cancellation = now >= e.starts_at - timedelta(
            hours=settings.late_cancellation_hours
        )
        await session.flush()
        engagement_event(session, "engagement.cancelled", e, by="employer",
                         late=e.late_cancellation, reason=e.cancel_reason)
    return job


async def mark_no_show(
    session: AsyncSession, principal: Principal, engagement_id: int, settings: Settings,
    now: datetime,
) -> Engagement:
    e = await locked_engagement(session, principal, engagement_id)
    access.require_employer_side(principal, e, "mark a no-show")
    to = states.target("mark_no_show", e.status)
    deadline = e.starts_at + timedelta(minutes=settings.no_show_grace_minutes)
    if now < deadline:
        raise Conflict(
            "the grace period for checking in has not passed", slug="grace-period",
            grace_until=deadline.isoformat(), current_status=e.status,
        )
    await record_no_show(session, e, to, now)
    return e


async def record_no_show(session: AsyncSession, e: Engagement, to: str, now: datetime) -> None:
    e.status, e.no_show_at = to, now
    await session.flush()
    engagement_event(session, "engagement.no_show", e)
    await refresh_reliability(session, e.worker_id)


async def sweep_no_shows(
    session: AsyncSession, settings: Settings, now: datetime, batch: int = 200
) -> int:
    """Hired engagements nobody checked in to within the grace period become no-shows.
    Rows another process is already changing are skipped (SKIP LOCKED), so every API process
    may run the sweep at once."""
    await begin_write(session)
    cutoff = now - timedelta(minutes=settings.no_show_grace_minutes)
    rows = list(await session.scalars(
        select(Engagement)
        .where(Engagement.status == states.HIRED, Engagement.starts_at <= cutoff)
        .order_by(Engagement.id).limit(batch)
        .with_for_update(key_share=True, skip_locked=True)
        .execution_options(populate_existing=True)
    ))
    for e in rows:
        await record_no_show(session, e, states.NO_SHOW, now)
    return len(rows)


