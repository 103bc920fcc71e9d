"""Attendance and hours: check-in/out with time and place (far check-ins are flagged, not
refused), hours computed, then confirmed or disputed by the employer; disputes are kept."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.agreements.service import require_signed_if_needed
from app.auth.principal import Principal
from app.common.geo import haversine_km
from app.common.problems import Conflict, Forbidden, NotFound, field_error
from app.config import Settings
from app.engagements import access, pay, states
from app.engagements.hiring import engagement_event
from app.engagements.models import Engagement, HoursDispute
from app.engagements.records import refresh_reliability
from app.engagements.schemas import AttendanceIn, CheckOutIn, HoursIn, ResolutionIn
from app.engagements.service import CLOCK_SKEW, locked_engagement, settle_if_paid
from app.matching.rules import job_shifts

BACKFILL_LIMIT = timedelta(hours=24)  # an offline app may report attendance this late
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
    e = await locked_engagement(session, principal, engagement_id)
    access.require_worker_side(principal, e, action.replace("_", " "))
    return e, states.target(action, e.status), _reported_time(data.at, now)


# ---- attendance ----------------------------------------------------------------------------

async def check_in(
    session: AsyncSession, principal: Principal, engagement_id: int, data: AttendanceIn,
    settings: Settings, now: datetime,
) -> Engagement:
    e, to, at = await _attendance(session, principal, engagement_id, "check_in", data, now)
    await require_signed_if_needed(session, e)
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
    start = pay.work_start(e.checked_in_at, job_shifts(e.starts_at, e.ends_at, e.job.shifts))
    if at <= start:
        raise field_error(
            "/at", f"a check-out cannot come before the work starts ({start.isoformat()})"
        )
    minutes = int((at - start).total_seconds() // 60)
    if minutes < settings.check_out_min_minutes:
        raise field_error(
            "/at", f"a check-out must come at least {settings.check_out_min_minutes} minutes "
            f"after the work starts ({start.isoformat()})",
        )
    if e.wage_unit == "piece" and data.pieces is None:
        raise field_error("/pieces", "piece-rate work reports the pieces done at check-out")
    e.status, e.checked_out_at = to, at
    _place(e, "check_out", data, settings)
    e.worked_minutes = minutes
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
    e.disputed_fen = 0
    e.pay_due_fen = pay.pay_due(e.wage_unit, e.wage_amount, minutes, pieces)
    await session.flush()
    engagement_event(
        session, "engagement.completed", e, minutes=minutes, pieces=pieces,
        due_fen=e.pay_due_fen, due_date=e.due_date.isoformat() if e.due_date else None,
    )
    await settle_if_paid(session, e, now)
    await refresh_reliability(session, e.worker_id)


async def review_hours(
    session: AsyncSession, principal: Principal, engagement_id: int, data: HoursIn,
    now: datetime,
) -> Engagement:
    """The employer confirms the attendance (the engagement completes) or disputes it."""
    e = await locked_engagement(session, principal, engagement_id)
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
    e.disputed_fen = max(
        0, _provisional_due(e, e.worked_minutes, e.reported_pieces) - e.pay_due_fen
    )
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
    e = await locked_engagement(session, principal, engagement_id)
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


