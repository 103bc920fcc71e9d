"""Offers: an employer invites a worker; the worker accepts (a hire) or declines; offers
expire, sooner for urgent jobs (即时快招)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.common.problems import Conflict
from app.config import Settings
from app.engagements import access
from app.engagements.hiring import (
    active_worker,
    hire,
    lock_job_and_worker,
    mark_decided,
    overlapping,
    require_open,
    require_unexpired,
    row_event,
)
from app.engagements.models import Engagement, Offer
from app.engagements.schemas import OfferIn
from app.jobs.models import Job
from app.jobs.service import get_managed_job


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
    require_open(job, now)
    worker = await active_worker(session, data.worker_id, "/worker_id")
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
    if await overlapping(session, worker.id, job.starts_at, job.ends_at) is not None:
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
        row_event(session, "offer.expired", "offer", old)
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
    row_event(session, "offer.created", "offer", offer, expires_at=offer.expires_at.isoformat())
    return await get_offer(session, principal, offer.id)


async def get_offer(
    session: AsyncSession, principal: Principal, offer_id: int, *, lock: bool = False
) -> Offer:
    return await access.load_visible(session, principal, Offer, offer_id, lock=lock)


async def accept_offer(
    session: AsyncSession, principal: Principal, offer_id: int, now: datetime
) -> Engagement:
    offer = await get_offer(session, principal, offer_id)
    access.require_worker_side(principal, offer, "accept an offer")
    job, worker = await lock_job_and_worker(session, offer.job_id, offer.worker_id)
    offer = await get_offer(session, principal, offer_id, lock=True)
    require_unexpired(offer, now)
    mark_decided(offer, "accepted", now)
    engagement = await hire(
        session, job, worker, source="offer", agreement_type=offer.agreement_type, now=now
    )
    offer.engagement_id = engagement.id
    await session.flush()
    row_event(session, "offer.accepted", "offer", offer, engagement_id=engagement.id)
    return engagement


# Who closes a pending application or offer without a hire.
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
            row_event(session, "offer.expired", "offer", row)
            done += 1
    return done

