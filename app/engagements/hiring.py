"""Applications and offers, and the hire they end in: never more live engagements than the
job's headcount, never two live engagements of one worker whose times overlap.

The hire runs in one transaction that first takes the locks its checks depend on:
PostgreSQL locks the job row, then the worker row (SELECT … FOR NO KEY UPDATE, always in that
order, so concurrent hires cannot deadlock), and re-reads the counts under them; SQLite
takes the database write lock up front (BEGIN IMMEDIATE, see app.db.begin_write). Either
way, across any number of API processes, the second of two racing hires sees the first.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Role
from app.common.problems import Conflict, NotFound, field_error
from app.config import Settings
from app.db import begin_write
from app.employers.models import Employer
from app.engagements import access
from app.engagements.models import LIVE_STATUSES, Application, Engagement, Offer
from app.engagements.schemas import AcceptApplicationIn, ApplicationIn, OfferIn
from app.events.service import record_event
from app.jobs.models import Job
from app.jobs.service import get_job, get_managed_job, job_event_data
from app.workers.models import Worker

DEFAULT_AGREEMENT = {
    "part_time": "part_time_contract",
    "temporary": "service_agreement",
    "seasonal": "service_agreement",
}


def _row_event(session: AsyncSession, type_: str, kind: str, row, **data) -> None:
    record_event(
        session, type_, resource_type=kind, resource_id=row.id,
        data={"id": row.id, "job_id": row.job_id, "worker_id": row.worker_id,
              "employer_id": row.employer_id, "status": row.status, **data},
        employer_id=row.employer_id, worker_id=row.worker_id,
    )


def engagement_event(session: AsyncSession, type_: str, e: Engagement, **data) -> None:
    _row_event(
        session, type_, "engagement", e, starts_at=e.starts_at.isoformat(),
        ends_at=e.ends_at.isoformat(), **data,
    )


async def _active_worker(session: AsyncSession, worker_id: int, pointer: str) -> Worker:
    worker = await session.get(Worker, worker_id)
    if worker is None or worker.status != "active":
        raise field_error(pointer, f"no active worker with id {worker_id}")
    return worker


async def _overlapping(
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


def _require_open(job: Job, now: datetime) -> None:
    if job.status != "open":
        raise Conflict(
            f"the job is {job.status}, not open", slug="job-not-open", job_status=job.status
        )
    if job.ends_at <= now:
        raise Conflict("the job has already ended", slug="job-ended", job_status=job.status)


# ---- the hire ------------------------------------------------------------------------------

async def _lock(session: AsyncSession, model, row_id: int):
    """The row, re-read under its lock (SELECT … FOR NO KEY UPDATE on PostgreSQL)."""
    return await session.scalar(
        select(model).where(model.id == row_id).with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


async def lock_job(session: AsyncSession, job_id: int) -> Job:
    await begin_write(session)
    job = await _lock(session, Job, job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id}")
    return job


async def lock_job_and_worker(
    session: AsyncSession, job_id: int, worker_id: int
) -> tuple[Job, Worker]:
    """Takes the hire's locks in the one fixed order: the job, then the worker."""
    job = await lock_job(session, job_id)
    worker = await _lock(session, Worker, worker_id)
    if worker is None:
        raise NotFound(f"no worker with id {worker_id}")
    return job, worker


def job_event(session: AsyncSession, type_: str, job: Job) -> None:
    record_event(
        session, type_, resource_type="job", resource_id=job.id, data=job_event_data(job),
        employer_id=job.employer_id, market_id=job.registered_by_market_id, public=True,
    )


async def _hire(
    session: AsyncSession, job: Job, worker: Worker, *, source: str, agreement_type: str | None,
    now: datetime,
) -> Engagement:
    """Checks and inserts under the locks taken by lock_job_and_worker."""
    _require_open(job, now)
    if worker.status != "active":
        raise Conflict("the worker is no longer active", slug="worker-inactive")
    live = await session.scalar(
        select(func.count()).select_from(Engagement).where(
            Engagement.job_id == job.id, Engagement.status.in_(LIVE_STATUSES)
        )
    )
    if live >= job.headcount:
        raise Conflict(
            f"all {job.headcount} places on this job are taken", slug="job-full",
            headcount=job.headcount,
        )
    if await _overlapping(session, worker.id, job.starts_at, job.ends_at) is not None:
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


# ---- applications --------------------------------------------------------------------------

async def _applicant(session: AsyncSession, principal: Principal, worker_id: int | None) -> Worker:
    if principal.role is Role.worker:
        if principal.subject_id is None:
            raise Conflict("create your worker profile before applying", slug="no-profile")
        if worker_id is not None and worker_id != principal.subject_id:
            raise field_error("/worker_id", "a worker key applies only for its own worker")
        worker_id = principal.subject_id
    elif worker_id is None:
        raise field_error("/worker_id", "required when applying on a worker's behalf")
    worker = await _active_worker(session, worker_id, "/worker_id")
    if not access.worker_side(principal, worker):
        raise field_error("/worker_id", f"no active worker with id {worker_id}")
    return worker


async def apply(
    session: AsyncSession, principal: Principal, job_id: int, data: ApplicationIn, now: datetime
) -> Application:
    job = await get_job(session, principal, job_id)
    worker = await _applicant(session, principal, data.worker_id)
    _require_open(job, now)
    pending = await session.scalar(
        select(Application.id).where(
            Application.job_id == job.id, Application.worker_id == worker.id,
            Application.status == "pending",
        )
    )
    if pending is not None:
        raise Conflict(
            "the worker already has a pending application for this job",
            slug="duplicate-application", existing_id=pending,
        )
    hired = await session.scalar(
        select(Engagement.id).where(
            Engagement.job_id == job.id, Engagement.worker_id == worker.id,
            Engagement.status.in_(LIVE_STATUSES),
        )
    )
    if hired is not None:
        raise Conflict("the worker is already hired on this job", slug="already-hired")
    application = Application(
        job_id=job.id, worker_id=worker.id, employer_id=job.employer_id, status="pending",
        message=data.message, created_by_key_id=principal.key_id,
    )
    session.add(application)
    try:
        await session.flush()
    except IntegrityError as exc:  # lost a race with the same application
        raise Conflict(
            "the worker already has a pending application for this job",
            slug="duplicate-application",
        ) from exc
    _row_event(session, "application.created", "application", application)
    return await get_application(session, principal, application.id)


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


async def get_application(
    session: AsyncSession, principal: Principal, application_id: int, *, lock: bool = False
) -> Application:
    return await access.load_visible(session, principal, Application, application_id, lock=lock)


def _decided(row, status: str, now: datetime) -> None:
    if row.status != "pending":
        raise Conflict(
            f"the {row.__tablename__[:-1]} is already {row.status}", slug="illegal-transition",
            current_status=row.status,
        )
    row.status, row.decided_at = status, now


async def accept_application(
    session: AsyncSession, principal: Principal, application_id: int,
    data: AcceptApplicationIn, now: datetime,
) -> Engagement:
    application = await get_application(session, principal, application_id)
    access.require_employer_side(principal, application, "accept an application")
    job, worker = await lock_job_and_worker(session, application.job_id, application.worker_id)
    application = await get_application(session, principal, application_id, lock=True)
    _decided(application, "accepted", now)
    engagement = await _hire(
        session, job, worker, source="application", agreement_type=data.agreement_type, now=now
    )
    application.engagement_id = engagement.id
    await session.flush()
    _row_event(session, "application.accepted", "application", application,
               engagement_id=engagement.id)
    return engagement


# ---- offers --------------------------------------------------------------------------------

def offer_expiry(job: Job, now: datetime, settings: Settings) -> datetime:
    """Urgent jobs (即时快招) get the shorter window; no offer outlives the job's start."""
    minutes = settings.urgent_offer_ttl_minutes if job.urgent else settings.offer_ttl_minutes
    expires = now + timedelta(minutes=minutes)
    return min(expires, job.starts_at) if job.starts_at > now else expires


async def create_offer(
    session: AsyncSession, principal: Principal, job_id: int, data: OfferIn, settings: Settings,
    now: datetime,
) -> Offer:
    job = await get_managed_job(session, principal, job_id)
    _require_open(job, now)
    worker = await _active_worker(session, data.worker_id, "/worker_id")
    pending = await session.scalar(
        select(Offer.id).where(
            Offer.job_id == job.id, Offer.worker_id == worker.id, Offer.status == "pending",
            Offer.expires_at > now,
        )
    )
    if pending is not None:
        raise Conflict(
            "the worker already holds a pending offer for this job", slug="duplicate-offer",
            existing_id=pending,
        )
    if await _overlapping(session, worker.id, job.starts_at, job.ends_at) is not None:
        raise Conflict(
            "the worker is already booked for a job at an overlapping time",
            slug="worker-double-booked",
        )
    # A lapsed offer still marked pending would block the unique index: close it first.
    stale = await session.scalars(
        select(Offer).where(
            Offer.job_id == job.id, Offer.worker_id == worker.id, Offer.status == "pending",
        )
    )
    for old in stale:
        old.status, old.decided_at = "expired", now
        _row_event(session, "offer.expired", "offer", old)
    await session.flush()
    offer = Offer(
        job_id=job.id, worker_id=worker.id, employer_id=job.employer_id, status="pending",
        message=data.message, agreement_type=data.agreement_type,
        expires_at=offer_expiry(job, now, settings), created_by_key_id=principal.key_id,
    )
    session.add(offer)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "the worker already holds a pending offer for this job", slug="duplicate-offer"
        ) from exc
    _row_event(session, "offer.created", "offer", offer, expires_at=offer.expires_at.isoformat())
    return await get_offer(session, principal, offer.id)


async def get_offer(
    session: AsyncSession, principal: Principal, offer_id: int, *, lock: bool = False
) -> Offer:
    return await access.load_visible(session, principal, Offer, offer_id, lock=lock)


def _require_unexpired(offer: Offer, now: datetime) -> None:
    if offer.status == "pending" and offer.expires_at <= now:
        raise Conflict(
            "the offer has expired", slug="offer-expired", current_status="expired",
            expired_at=offer.expires_at.isoformat(),
        )


async def accept_offer(
    session: AsyncSession, principal: Principal, offer_id: int, now: datetime
) -> Engagement:
    offer = await get_offer(session, principal, offer_id)
    access.require_worker_side(principal, offer, "accept an offer")
    job, worker = await lock_job_and_worker(session, offer.job_id, offer.worker_id)
    offer = await get_offer(session, principal, offer_id, lock=True)
    _require_unexpired(offer, now)
    _decided(offer, "accepted", now)
    engagement = await _hire(
        session, job, worker, source="offer", agreement_type=offer.agreement_type, now=now
    )
    offer.engagement_id = engagement.id
    await session.flush()
    _row_event(session, "offer.accepted", "offer", offer, engagement_id=engagement.id)
    return engagement


# Who closes a pending application or offer without a hire.
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
        _require_unexpired(row, now)
    _decided(row, status, now)
    if model is Application:
        row.decision_note = note
    await session.flush()
    _row_event(session, f"{kind}.{status}", kind, row)
    return row


async def expire_offers(session: AsyncSession, now: datetime, batch: int = 500) -> int:
    """Pending offers past their expiry become expired, one event each (safe in every process:
    each row changes under its own conditional update)."""
    ids = list(await session.scalars(
        select(Offer.id).where(Offer.status == "pending", Offer.expires_at <= now)
        .order_by(Offer.id).limit(batch)
    ))
    done = 0
    for offer_id in ids:
        result = await session.execute(
            update(Offer).where(and_(Offer.id == offer_id, Offer.status == "pending"))
            .values(status="expired", decided_at=now, version=Offer.version + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            row = await session.scalar(
                select(Offer).where(Offer.id == offer_id).execution_options(populate_existing=True)
            )
            _row_event(session, "offer.expired", "offer", row)
            done += 1
    return done

