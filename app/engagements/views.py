"""Rows to response shapes. Phones are revealed by ContactRules; engagements are hires, so
both parties see each other's phone there."""

from __future__ import annotations

from datetime import date, datetime

from app.common.privacy import mask_phone
from app.employers.models import Employer
from app.engagements import pay
from app.engagements.access import ContactRules
from app.engagements.models import Application, Engagement, Offer
from app.engagements.schemas import (
    ApplicationOut,
    AttendanceOut,
    DisputeOut,
    EmployerParty,
    EngagementOut,
    HoursOut,
    JobSummary,
    OfferOut,
    PaymentOut,
    RatingOut,
    WagesOut,
    WageTerms,
)
from app.jobs.models import Job
from app.workers.models import Worker


def job_summary(job: Job) -> JobSummary:
    return JobSummary(
        id=job.id, title=job.title, status=job.status, employment_type=job.employment_type,
        starts_at=job.starts_at, ends_at=job.ends_at, district_code=job.district_code,
        urgent=job.urgent, injury_protection=job.injury_protection,
    )


def worker_party(worker: Worker, visible: bool) -> dict:
    phone = worker.phone if visible else mask_phone(worker.phone)
    return {"id": worker.id, "name": worker.name, "phone": phone, "phone_masked": not visible}


def employer_party(employer: Employer, visible: bool) -> EmployerParty:
    phone = employer.contact_phone if visible else mask_phone(employer.contact_phone)
    return EmployerParty(
        id=employer.id, name=employer.name, contact_name=employer.contact_name,
        contact_phone=phone, phone_masked=not visible and employer.contact_phone is not None,
    )


def _parties(row, rules: ContactRules | None) -> dict:
    e_id, w_id = row.employer_id, row.worker_id
    return {
        "job": job_summary(row.job),
        "worker": worker_party(row.worker, rules is None or rules.worker_phone(e_id, w_id)),
        "employer": employer_party(row.employer, rules is None or rules.employer_phone(e_id, w_id)),
    }


def application_out(row: Application, rules: ContactRules) -> ApplicationOut:
    return ApplicationOut(
        id=row.id, **_parties(row, rules), status=row.status, message=row.message,
        decision_note=row.decision_note, decided_at=row.decided_at,
        engagement_id=row.engagement_id, created_at=row.created_at,
    )


def offer_status(row: Offer, now: datetime) -> str:
    if row.status == "pending" and row.expires_at <= now:
        return "expired"
    return row.status


def offer_out(row: Offer, rules: ContactRules, now: datetime) -> OfferOut:
    return OfferOut(
        id=row.id, **_parties(row, rules), status=offer_status(row, now), message=row.message,
        agreement_type=row.agreement_type, expires_at=row.expires_at,
        decided_at=row.decided_at, engagement_id=row.engagement_id, created_at=row.created_at,
    )


def wage_terms(e: Engagement) -> WageTerms | None:
    if e.wage_unit is None:
        return None
    return WageTerms(amount=e.wage_amount, unit=e.wage_unit, settlement=e.wage_settlement)


def outstanding(e: Engagement) -> int:
    return pay.outstanding_fen(e.pay_due_fen, e.paid_fen, e.disputed_fen)


def payment_status(e: Engagement) -> str:
    return pay.payment_status(
        e.pay_due_fen, e.paid_fen, e.disputed_fen, in_dispute=e.hours_status == "disputed"
    )


def overdue_days(e: Engagement, today: date) -> int:
    if e.due_date is None or outstanding(e) == 0 or e.status not in ("checked_out", "completed"):
        return 0
    return pay.days_overdue(e.due_date, today)


def engagement_out(e: Engagement, now: datetime) -> EngagementOut:
    """Only parties (and admins) read an engagement, and it is a hire: no masking."""
    today = pay.shanghai_date(now)
    return EngagementOut(
        id=e.id, **_parties(e, None), status=e.status, source=e.source,
        agreement_type=e.agreement_type, starts_at=e.starts_at, ends_at=e.ends_at,
        hired_at=e.hired_at,
        check_in=AttendanceOut(
            at=e.checked_in_at, lat=e.check_in_lat, lng=e.check_in_lng,
            distance_m=e.check_in_distance_m, flagged=e.check_in_flagged,
        ),
        check_out=AttendanceOut(
            at=e.checked_out_at, lat=e.check_out_lat, lng=e.check_out_lng,
            distance_m=e.check_out_distance_m, flagged=e.check_out_flagged,
        ),
        hours=HoursOut(
            status=e.hours_status, worked_minutes=e.worked_minutes,
            reported_pieces=e.reported_pieces, confirmed_minutes=e.confirmed_minutes,
            confirmed_pieces=e.confirmed_pieces,
        ),
        completed_at=e.completed_at,
        wages=WagesOut(
            terms=wage_terms(e), due_fen=e.pay_due_fen, paid_fen=e.paid_fen,
            outstanding_fen=outstanding(e), disputed_fen=e.disputed_fen, due_date=e.due_date,
            payment_status=payment_status(e),
            days_overdue=overdue_days(e, today),
        ),
        cancelled_at=e.cancelled_at, cancel_reason=e.cancel_reason,
        late_cancellation=e.late_cancellation, no_show_at=e.no_show_at,
        disputes=[DisputeOut.model_validate(d, from_attributes=True) for d in e.disputes],
        payments=[
            PaymentOut(id=p.id, amount=p.amount_fen, method=p.method, paid_at=p.paid_at,
                       reference=p.reference, created_at=p.created_at)
            for p in e.payments
        ],
        ratings=[RatingOut.model_validate(r, from_attributes=True) for r in e.ratings],
        created_at=e.created_at, updated_at=e.updated_at,
    )
