"""Engagements after the hire: attendance, hours, cancellation, no-shows, payments, ratings.

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
from app.common.geo import haversine_km
from app.common.problems import Conflict, Forbidden, NotFound, field_error
from app.config import Settings
from app.db import begin_write
from app.engagements import access, pay, states
from app.engagements.hiring import engagement_event, job_event, list_rows, lock_job
from app.engagements.models import Engagement, HoursDispute, Payment, Rating
from app.engagements.records import refresh_reliability
from app.engagements.schemas import (
    AttendanceIn,
    CancelIn,
    CheckOutIn,
    HoursIn,
    PaymentIn,
    RatingIn,
    ResolutionIn,
)
from app.events.service import record_event

CLOCK_SKEW = timedelta(minutes=5)
BACKFILL_LIMIT = timedelta(hours=24)  # an offline app may report attendance this late
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


async def _locked(session: AsyncSession, principal: Principal, engagement_id: int) -> Engagement:
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


def _reported_time(at: datetime | None, now: datetime, pointer: str = "/at") -> datetime:
    at = at or now
    if at > now + CLOCK_SKEW:
        raise field_error(pointer, "cannot be in the future")
    if at < now - BACKFILL_LIMIT:
        raise field_error(pointer, "attendance is reported within 24 hours")
    return at


def _place(e: Engagement, which: str, data: AttendanceIn, settings: Settings) -> float | None:
    """Records where the worker was at check-in/out and flags it when far from the job."""
    distance = None
    if data.location is not None:
        lat, lng = data.location.lat, data.location.lng
        distance = round(haversine_km(e.job.lat, e.job.lng, lat, lng) * 1000, 1)
        setattr(e, f"{which}_lat", lat)
        setattr(e, f"{which}_lng", lng)
    setattr(e, f"{which}_distance_m", distance)
    flagged = distance is not None and distance > settings.check_in_flag_distance_m
    setattr(e, f"{which}_flagged", flagged)
    return distance


async def _attendance(
    session: AsyncSession, principal: Principal, engagement_id: int, action: str,
    data: AttendanceIn, now: datetime,
) -> tuple[Engagement, str, datetime]:
    e = await _locked(session, principal, engagement_id)
    access.require_worker_side(principal, e, action.replace("_", " "))
    return e, states.target(action, e.status), _reported_time(data.at, now)


# ---- attendance ----------------------------------------------------------------------------

async def check_in(
    session: AsyncSession, principal: Principal, engagement_id: int, data: AttendanceIn,
    settings: Settings, now: datetime,
) -> Engagement:
    e, to, at = await _attendance(session, principal, engagement_id, "check_in", data, now)
    opens = e.starts_at - timedelta(minutes=settings.check_in_early_minutes)
    if at < opens:
        raise Conflict(
            "too early to check in", slug="check-in-not-open", opens_at=opens.isoformat(),
            current_status=e.status,
        )
    if at >= e.ends_at:
        raise Conflict("the job has already ended", slug="job-ended", current_status=e.status)
    e.status, e.checked_in_at = to, at
    distance = _place(e, "check_in", data, settings)
    await session.flush()
    engagement_event(
        session, "engagement.checked_in", e, at=at.isoformat(), distance_m=distance,
        flagged=e.check_in_flagged,
    )
    return e


def _provisional_due(e: Engagement, minutes: int | None, pieces: int | None) -> int:
    return pay.pay_due(e.wage_unit, e.wage_amount, minutes, pieces)


async def check_out(
    session: AsyncSession, principal: Principal, engagement_id: int, data: CheckOutIn,
    settings: Settings, now: datetime,
) -> Engagement:
    e, to, at = await _attendance(session, principal, engagement_id, "check_out", data, now)
    if at < e.checked_in_at:
        raise field_error("/at", "a check-out cannot come before the check-in")
    if e.wage_unit == "piece" and data.pieces is None:
        raise field_error("/pieces", "piece-rate work reports the pieces done at check-out")
    e.status, e.checked_out_at = to, at
    _place(e, "check_out", data, settings)
    e.worked_minutes = int((at - e.checked_in_at).total_seconds() // 60)
    e.reported_pieces = data.pieces
    e.hours_status = "pending"
    e.pay_due_fen = _provisional_due(e, e.worked_minutes, e.reported_pieces)
    e.due_date = pay.due_date(
        e.wage_settlement, pay.shanghai_date(at), pay.shanghai_date(max(e.ends_at, at)),
        pay.SettlementRules.from_settings(settings),
    )
    await session.flush()
    engagement_event(
        session, "engagement.checked_out", e, at=at.isoformat(), worked_minutes=e.worked_minutes,
        pieces=e.reported_pieces, due_fen=e.pay_due_fen, due_date=e.due_date.isoformat(),
    )
    return e


# ---- hours ---------------------------------------------------------------------------------

def _open_dispute(e: Engagement) -> HoursDispute | None:
    return next((d for d in e.disputes if d.status == "open"), None)


async def _complete(
    session: AsyncSession, e: Engagement, minutes: int | None, pieces: int | None, now: datetime
) -> None:
    e.status = states.target("confirm_hours", e.status)
    e.hours_status, e.completed_at = "confirmed", now
    e.confirmed_minutes, e.confirmed_pieces = minutes, pieces
    e.pay_due_fen = pay.pay_due(e.wage_unit, e.wage_amount, minutes, pieces)
    await session.flush()
    engagement_event(
        session, "engagement.completed", e, minutes=minutes, pieces=pieces,
        due_fen=e.pay_due_fen, due_date=e.due_date.isoformat() if e.due_date else None,
    )
    await _settle_if_paid(session, e, now)
    await refresh_reliability(session, e.worker_id)


async def _settle_if_paid(session: AsyncSession, e: Engagement, paid_at: datetime) -> None:
    if e.status == "completed" and e.pay_due_fen > 0 and e.paid_fen >= e.pay_due_fen:
        e.status = states.target("settle", e.status)
        e.paid_at = paid_at
        await session.flush()
        engagement_event(session, "engagement.paid", e, paid_fen=e.paid_fen)


async def review_hours(
    session: AsyncSession, principal: Principal, engagement_id: int, data: HoursIn,
    now: datetime,
) -> Engagement:
    """The employer confirms the attendance (the engagement completes) or disputes it."""
    e = await _locked(session, principal, engagement_id)
    access.require_employer_side(principal, e, "confirm or dispute hours")
    dispute = _open_dispute(e)
    if data.decision == "confirm":
        states.target("confirm_hours", e.status)
        if dispute is not None:  # the employer drops its dispute
            _resolve(dispute, "employer_confirmed", e.worked_minutes, e.reported_pieces,
                     None, principal, now)
        await _complete(session, e, e.worked_minutes, e.reported_pieces, now)
        return e
    states.target("dispute_hours", e.status)
    if dispute is not None:
        raise Conflict(
            "a dispute about these hours is already open", slug="dispute-open",
            dispute_id=dispute.id, current_status=e.status,
        )
    minutes = data.minutes if data.minutes is not None else e.worked_minutes
    pieces = data.pieces if data.pieces is not None else e.reported_pieces
    dispute = HoursDispute(
        engagement_id=e.id, status="open", claimed_minutes=e.worked_minutes,
        claimed_pieces=e.reported_pieces, proposed_minutes=minutes, proposed_pieces=pieces,
        reason=data.reason, raised_by_key_id=principal.key_id, raised_at=now,
    )
    e.disputes.append(dispute)
    e.hours_status = "disputed"
    # Until resolved, what the employer itself accepts is owed (and can fall into arrears).
    e.pay_due_fen = _provisional_due(e, minutes, pieces)
    await session.flush()
    engagement_event(
        session, "engagement.hours_disputed", e, dispute_id=dispute.id,
        claimed_minutes=e.worked_minutes, proposed_minutes=minutes,
        claimed_pieces=e.reported_pieces, proposed_pieces=pieces,
    )
    return e


def _resolve(
    dispute: HoursDispute, resolution: str, minutes: int | None, pieces: int | None,
    note: str | None, principal: Principal, now: datetime,
) -> None:
    dispute.status, dispute.resolution = "resolved", resolution
    dispute.resolved_minutes, dispute.resolved_pieces = minutes, pieces
    dispute.resolution_note, dispute.resolved_by_key_id = note, principal.key_id
    dispute.resolved_at = now


async def resolve_dispute(
    session: AsyncSession, principal: Principal, engagement_id: int, dispute_id: int,
    data: ResolutionIn, now: datetime,
) -> Engagement:
    """The worker accepts the employer's figures, or an admin (the bureau's mediator) decides."""
    e = await _locked(session, principal, engagement_id)
    dispute = next((d for d in e.disputes if d.id == dispute_id), None)
    if dispute is None:
        raise NotFound(f"no dispute with id {dispute_id} on engagement {engagement_id}")
    if dispute.status != "open":
        raise Conflict("the dispute is already resolved", slug="illegal-transition",
                       current_status=e.status)
    states.target("resolve_dispute", e.status)
    if principal.is_admin:
        minutes = data.minutes if data.minutes is not None else dispute.proposed_minutes
        pieces = data.pieces if data.pieces is not None else dispute.proposed_pieces
        resolution = "admin_decided"
    else:
        access.require_worker_side(principal, e, "accept the employer's figures")
        if data.minutes is not None or data.pieces is not None:
            raise Forbidden("the worker accepts the proposal as it is; admins set other figures")
        minutes, pieces, resolution = dispute.proposed_minutes, dispute.proposed_pieces, (
            "worker_accepted"
        )
    _resolve(dispute, resolution, minutes, pieces, data.note, principal, now)
    await session.flush()
    engagement_event(
        session, "engagement.dispute_resolved", e, dispute_id=dispute.id,
        resolution=resolution, minutes=minutes, pieces=pieces,
    )
    await _complete(session, e, minutes, pieces, now)
    return e


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


async def mark_no_show(
    session: AsyncSession, principal: Principal, engagement_id: int, settings: Settings,
    now: datetime,
) -> Engagement:
    e = await _locked(session, principal, engagement_id)
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


# ---- payments and ratings ------------------------------------------------------------------

async def record_payment(
    session: AsyncSession, principal: Principal, engagement_id: int, data: PaymentIn,
    now: datetime,
) -> Engagement:
    e = await _locked(session, principal, engagement_id)
    access.require_employer_side(principal, e, "record a payment")
    states.target("record_payment", e.status)
    owed = max(0, e.pay_due_fen - e.paid_fen)
    if data.amount > owed:
        raise field_error("/amount", f"exceeds the {owed} fen outstanding")
    paid_at = _payment_time(data.paid_at, e, now)
    payment = Payment(
        engagement_id=e.id, amount_fen=data.amount, paid_at=paid_at, method=data.method,
        reference=data.reference, recorded_by_key_id=principal.key_id, created_at=now,
    )
    e.payments.append(payment)
    e.paid_fen += data.amount
    await session.flush()
    record_event(
        session, "payment.recorded", resource_type="engagement", resource_id=e.id,
        data={"engagement_id": e.id, "payment_id": payment.id, "amount_fen": data.amount,
              "method": data.method, "paid_at": paid_at.isoformat(), "paid_fen": e.paid_fen,
              "due_fen": e.pay_due_fen},
        employer_id=e.employer_id, worker_id=e.worker_id,
    )
    await _settle_if_paid(session, e, paid_at)
    return e


def _payment_time(paid_at: datetime | None, e: Engagement, now: datetime) -> datetime:
    paid_at = paid_at or now
    if paid_at > now + CLOCK_SKEW:
        raise field_error("/paid_at", "cannot be in the future")
    if e.checked_in_at is not None and paid_at < e.checked_in_at - timedelta(days=31):
        raise field_error("/paid_at", "more than a month before the work")
    return paid_at


async def rate(
    session: AsyncSession, principal: Principal, engagement_id: int, data: RatingIn,
    now: datetime,
) -> Engagement:
    """The worker rates the employer and the employer the worker, once each."""
    e = await _locked(session, principal, engagement_id)
    if principal.is_admin:
        raise Forbidden("only the worker and the employer rate an engagement")
    rater = "worker" if access.worker_side(principal, e.worker) else "employer"
    states.target("rate", e.status)
    if any(r.rater == rater for r in e.ratings):
        raise Conflict(f"the {rater} has already rated this engagement", slug="already-rated")
    rating = Rating(
        engagement_id=e.id, rater=rater, worker_id=e.worker_id, employer_id=e.employer_id,
        score=data.score, comment=data.comment, created_by_key_id=principal.key_id,
        created_at=now,
    )
    e.ratings.append(rating)
    await session.flush()
    record_event(
        session, "rating.created", resource_type="engagement", resource_id=e.id,
        data={"engagement_id": e.id, "rater": rater, "score": data.score},
        employer_id=e.employer_id, worker_id=e.worker_id,
    )
    if rater == "employer":
        await refresh_reliability(session, e.worker_id)
    return e
