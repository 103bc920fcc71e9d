"""Wage payments (partial ones allowed) and the ratings both sides give after the work."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.common.problems import Conflict, Forbidden, field_error
from app.engagements import access, states
from app.engagements.models import Engagement, Payment, Rating
from app.engagements.records import refresh_reliability
from app.engagements.schemas import PaymentIn, RatingIn
from app.engagements.service import CLOCK_SKEW, locked_engagement, settle_if_paid
from app.events.service import record_event


async def record_payment(
    session: AsyncSession, principal: Principal, engagement_id: int, data: PaymentIn,
    now: datetime,
) -> Engagement:
    e = await locked_engagement(session, principal, engagement_id)
    access.require_employer_side(principal, e, "record a payment")
    states.target("record_payment", e.status)
    # The part an open dispute contests is paid once the dispute is settled, not before.
    owed = max(0, e.pay_due_fen - e.paid_fen)
    if data.amount > owed:
        raise field_error("/amount", f"exceeds the {owed} fen due (any disputed part excluded)")
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
    await settle_if_paid(session, e, paid_at)
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
    e = await locked_engagement(session, principal, engagement_id)
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
