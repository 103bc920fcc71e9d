"""Webhook events about applications, offers, engagements and wages (the `data` of each)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from app.engagements.schemas import PaymentMethod


class HiringRowData(BaseModel):
    """An application or offer: the parties and its status."""

    id: int
    job_id: int
    worker_id: int
    employer_id: int
    status: str


class ApplicationAcceptedData(HiringRowData):
    engagement_id: int


class OfferCreatedData(HiringRowData):
    expires_at: datetime


class OfferAcceptedData(HiringRowData):
    engagement_id: int


class EngagementData(HiringRowData):
    """An engagement (hire): the parties, its status and the shift."""

    starts_at: datetime
    ends_at: datetime


class EngagementHiredData(EngagementData):
    source: str


class EngagementCancelledData(EngagementData):
    by: Literal["employer", "worker"]
    late: bool
    reason: str | None = None


class CheckedInData(EngagementData):
    at: datetime
    distance_m: int | None = None
    flagged: bool


class _WageDueData(EngagementData):
    pieces: int | None = None
    due_fen: int | None = None
    due_date: date | None = None


class CheckedOutData(_WageDueData):
    at: datetime
    worked_minutes: int | None = None


class CompletedData(_WageDueData):
    minutes: int | None = None


class HoursDisputedData(EngagementData):
    dispute_id: int
    claimed_minutes: int | None = None
    proposed_minutes: int | None = None
    claimed_pieces: int | None = None
    proposed_pieces: int | None = None


class DisputeResolvedData(EngagementData):
    dispute_id: int
    resolution: str
    minutes: int | None = None
    pieces: int | None = None


class EngagementPaidData(EngagementData):
    paid_fen: int


class PaymentRecordedData(BaseModel):
    engagement_id: int
    payment_id: int
    amount_fen: int
    method: PaymentMethod
    paid_at: datetime
    paid_fen: int
    due_fen: int | None = None


class RatingCreatedData(BaseModel):
    engagement_id: int
    rater: Literal["employer", "worker"]
    score: int


class WageOverdueData(BaseModel):
    engagement_id: int
    job_id: int
    employer_id: int
    worker_id: int
    district_code: str
    due_date: date
    due_fen: int
    paid_fen: int
    outstanding_fen: int
    days_overdue: int


EVENTS = {
    "application.created": (HiringRowData, "A worker applied to a job."),
    "application.accepted": (ApplicationAcceptedData, "The employer hired the applicant."),
    "application.declined": (HiringRowData, "The employer turned the applicant down."),
    "application.withdrawn": (HiringRowData, "The worker withdrew the application."),
    "offer.created": (OfferCreatedData, "An employer offered a job to a worker."),
    "offer.accepted": (OfferAcceptedData, "The worker accepted the offer."),
    "offer.declined": (HiringRowData, "The worker declined the offer."),
    "offer.withdrawn": (HiringRowData, "The employer withdrew the offer."),
    "offer.expired": (HiringRowData, "The offer lapsed unanswered."),
    "engagement.hired": (EngagementHiredData, "A hire was made (from an application or offer)."),
    "engagement.cancelled": (EngagementCancelledData, "Either side cancelled the engagement."),
    "engagement.no_show": (EngagementData, "The employer marked the worker as a no-show."),
    "engagement.checked_in": (CheckedInData, "The worker checked in at the site."),
    "engagement.checked_out": (CheckedOutData, "The worker checked out; the wage is due."),
    "engagement.hours_disputed": (HoursDisputedData, "The employer disputed the hours."),
    "engagement.dispute_resolved": (DisputeResolvedData, "An hours dispute was resolved."),
    "engagement.completed": (CompletedData, "Hours are confirmed; the wage amount is final."),
    "engagement.paid": (EngagementPaidData, "The wage is paid in full."),
    "payment.recorded": (PaymentRecordedData, "The employer recorded a wage payment."),
    "rating.created": (RatingCreatedData, "One side rated the other."),
    "wage.overdue": (WageOverdueData, "A wage is past its due date and not paid in full."),
}
