"""The hire that applications and offers end in, and what they share: never more live
engagements than the job's headcount, never two live engagements of one worker whose times
overlap.

The hire runs in one transaction that first takes the locks its checks depend on:
PostgreSQL locks the job row, then the worker row (SELECT … FOR NO KEY UPDATE, always in that
order, so concurrent hires cannot deadlock), and re-reads the counts under them; SQLite
takes the database write lock up front (BEGIN IMMEDIATE, see app.db.begin_write). Either
way, across any number of API processes, the second of two racing hires sees the first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.common.problems import Conflict, NotFound, field_error
from app.db import begin_write, lock_row
from app.employers.models import Employer
from app.engagements import access
from app.engagements.counts import live_hires
from app.engagements.models import LIVE_STATUSES, Application, Engagement, Offer
from app.events.service import record_event
from app.jobs.models import Job
from app.jobs.service import job_event_data
from app.workers.models import Worker

DEFAULT_AGREEMENT = {
    "part_time": "part_time_contract",
    "temporary": "service_agreement",
    "seasonal": "service_agreement",
}


def row_event(session: AsyncSession, type_: str, kind: str, row, **data) -> None:
    record_event(
        session, type_, resource_type=kind, resource_id=row.id,
        data={"id": row.id, "job_id": row.job_id, "worker_id": row.worker_id,
              "employer_id": row.employer_id, "status": row.status, **data},
        employer_id=row.employer_id, worker_id=row.worker_id,
    )


def engagement_event(session: AsyncSession, type_: str, e: Engagement, **data) -> None:
    row_event(
        session, type_, "engagement", e, starts_at=e.starts_at.isoformat(),
        ends_at=e.ends_at.isoformat(), **data,
    )


async def active_worker(session: AsyncSession, worker_id: int, pointer: str) -> Worker:
    worker = await session.get(Worker, worker_id)
    if worker is None or worker.status != "active":
        raise field_error(pointer, f"no active worker with id {worker_id}")
    return worker


async def overlapping(
    session: AsyncSession, worker_id: int, starts_at: datetime, ends_at: datetime
) -> int | None:
    return await session.scalar(
        select(Engagement.id).where(
            Engagement.worker_id == worker_id,
            Engagement.status.in_(LIVE_STATUSES),
            Engagement.starts_at < ends_at,
            Engagement.ends_at > starts_at,
        ).limit(1)
    )


def require_open(job: Job, now: datetime) -> None:
    if job.status != "open":
        raise Conflict(
            f"the job is {job.status}, not open", slug="job-not-open", job_status=job.status
        )
    if job.ends_at <= now:
        raise Conflict("the job has already ended", slug="job-ended", job_status=job.status)


# ---- the hire ------------------------------------------------------------------------------

async def lock_job(session: AsyncSession, job_id: int) -> Job:
    await begin_write(session)
    job = await lock_row(session, Job, job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id}")
    return job


async def lock_job_and_worker(
    session: AsyncSession, job_id: int, worker_id: int
) -> tuple[Job, Worker]:
    """Takes the hire's locks in the one fixed order: the job, then the worker."""
    job = await lock_job(session, job_id)
    worker = await lock_row(session, Worker, worker_id)
    if worker is None:
        raise NotFound(f"no worker with id {worker_id}")
    return job, worker


def job_event(session: AsyncSession, type_: str, job: Job) -> None:
    record_event(
        session, type_, resource_type="job", resource_id=job.id, data=job_event_data(job),
        employer_id=job.employer_id, market_id=job.registered_by_market_id, public=True,
    )


async def hire(
    session: AsyncSession, job: Job, worker: Worker, *, source: str, agreement_type: str | None,
    now: datetime,
) -> Engagement:
    """Checks and inserts under the locks taken by lock_job_and_worker."""
    require_open(job, now)
    if worker.status != "active":
        raise Conflict("the worker is no longer active", slug="worker-inactive")
    live = (await live_hires(session, [job.id])).get(job.id, 0)
    if live >= job.headcount:
        raise Conflict(
            f"all {job.headcount} places on this job are taken", slug="job-full",
            headcount=job.headcount,
        )
    if await overlapping(session, worker.id, job.starts_at, job.ends_at) is not None:
        raise Conflict(
            "the worker is already booked for a job at an overlapping time",
            slug="worker-double-booked",
        )
    employer = await session.get(Employer, job.employer_id)
    engagement = Engagement(
        job_id=job.id, worker_id=worker.id, employer_id=job.employer_id, status="hired",
        starts_at=job.starts_at, ends_at=job.ends_at, source=source,
        agreement_type=agreement_type or DEFAULT_AGREEMENT.get(job.employment_type),
        wage_amount=job.wage_amount, wage_unit=job.wage_unit,
        wage_settlement=job.wage_settlement, hired_at=now,
        pay_due_fen=0, paid_fen=0, check_in_flagged=False, check_out_flagged=False,
        late_cancellation=False,
    )
    engagement.job, engagement.worker, engagement.employer = job, worker, employer
    engagement.payments, engagement.disputes, engagement.ratings = [], [], []
    session.add(engagement)
    await session.flush()
    engagement_event(session, "engagement.hired", engagement, source=source)
    if live + 1 >= job.headcount:
        job.status = "filled"
        await session.flush()
        job_event(session, "job.filled", job)
    return engagement


async def list_rows(
    session: AsyncSession, principal: Principal, model, *, limit: int, after_id: int | None,
    **filters,
) -> list:
    stmt = select(model).options(*access.with_parties(model)).order_by(model.id.desc())
    scope = access.party_filter(model, principal)
    if scope is not None:
        stmt = stmt.where(scope)
    if after_id is not None:
        stmt = stmt.where(model.id < after_id)
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(model, name) == value)
    return list(await session.scalars(stmt.limit(limit + 1)))


def mark_decided(row, status: str, now: datetime) -> None:
    if row.status != "pending":
        raise Conflict(
            f"the {row.__tablename__[:-1]} is already {row.status}", slug="illegal-transition",
            current_status=row.status,
        )
    row.status, row.decided_at = status, now


def require_unexpired(offer: Offer, now: datetime) -> None:
    if offer.status == "pending" and offer.expires_at <= now:
        raise Conflict(
            "the offer has expired", slug="offer-expired", current_status="expired",
            expired_at=offer.expires_at.isoformat(),
        )


CLOSERS = {
    (Application, "declined"): "employer", (Application, "withdrawn"): "worker",
    (Offer, "declined"): "worker", (Offer, "withdrawn"): "employer",
}


async def close_pending(
    session: AsyncSession, principal: Principal, model, row_id: int, status: str,
    now: datetime, note: str | None = None,
) -> Application | Offer:
    """Declines or withdraws an application (the employer declines, the worker withdraws) or
    an offer (the worker declines, the employer withdraws)."""
    await begin_write(session)
    row = await access.load_visible(session, principal, model, row_id, lock=True)
    kind = model.__tablename__[:-1]
    if CLOSERS[(model, status)] == "worker":
        access.require_worker_side(principal, row, f"mark this {kind} {status}")
    else:
        access.require_employer_side(principal, row, f"mark this {kind} {status}")
    if model is Offer:
        require_unexpired(row, now)
    mark_decided(row, status, now)
    if model is Application:
        row.decision_note = note
    await session.flush()
    row_event(session, f"{kind}.{status}", kind, row)
    return row


