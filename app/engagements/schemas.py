from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.common.schemas import AwareDatetime, Id, Location, StrictModel
from app.common.text import Text
from app.jobs.schemas import EmploymentType, JobStatus, Settlement, WageUnit

AgreementType = Literal[
    "part_time_contract",  # 非全日制劳动合同
    "labour_contract",  # 劳动合同
    "service_agreement",  # 劳务协议
    "platform_agreement",  # 平台企业与劳动者的书面协议
]
ApplicationStatus = Literal["pending", "accepted", "declined", "withdrawn"]
OfferStatus = Literal["pending", "accepted", "declined", "withdrawn", "expired"]
EngagementStatus = Literal[
    "hired", "checked_in", "checked_out", "completed", "paid", "cancelled_by_worker",
    "cancelled_by_employer", "no_show",
]
PaymentStatus = Literal["nothing_due", "unpaid", "partially_paid", "paid", "disputed"]
PaymentMethod = Literal["bank_transfer", "wechat", "alipay", "cash", "other"]
Note = Text(500, min_length=0)
MAX_MINUTES = 366 * 24 * 60
MAX_PIECES = 1_000_000


# ---- requests ------------------------------------------------------------------------------

class ApplicationIn(StrictModel):
    worker_id: Id | None = Field(
        default=None, description="Required for markets and admins applying for a worker"
    )
    message: Note | None = None


class DecisionIn(StrictModel):
    note: Note | None = None


class AcceptApplicationIn(StrictModel):
    agreement_type: AgreementType | None = Field(
        default=None, description="Defaults from the job's employment type"
    )


class OfferIn(StrictModel):
    worker_id: Id
    message: Note | None = None
    agreement_type: AgreementType | None = None


class AttendanceIn(StrictModel):
    at: AwareDatetime | None = Field(
        default=None, description="When it happened (default: now); an offline app sends it later"
    )
    location: Location | None = None


class CheckOutIn(AttendanceIn):
    pieces: int | None = Field(default=None, ge=0, le=MAX_PIECES, description="Piece-rate work")


class HoursIn(StrictModel):
    decision: Literal["confirm", "dispute"]
    minutes: int | None = Field(
        default=None, ge=0, le=MAX_MINUTES, description="Dispute: the minutes the employer accepts"
    )
    pieces: int | None = Field(default=None, ge=0, le=MAX_PIECES)
    reason: Note | None = None

    @model_validator(mode="after")
    def _dispute_needs_figures(self) -> HoursIn:
        if self.decision == "dispute":
            if self.minutes is None and self.pieces is None:
                raise ValueError("a dispute proposes minutes or pieces")
            if not self.reason:
                raise ValueError("a dispute gives a reason")
        elif self.minutes is not None or self.pieces is not None:
            raise ValueError("confirm takes the attendance as recorded; dispute to change it")
        return self


class ResolutionIn(StrictModel):
    minutes: int | None = Field(
        default=None, ge=0, le=MAX_MINUTES,
        description="Admins only; the worker accepts the proposal as it is",
    )
    pieces: int | None = Field(default=None, ge=0, le=MAX_PIECES)
    note: Note | None = None


class CancelIn(StrictModel):
    reason: Note | None = None
    party: Literal["worker", "employer"] | None = Field(
        default=None, description="Admins only: which side cancels"
    )


class PaymentIn(StrictModel):
    amount: int = Field(gt=0, le=100_000_000, description="Integer fen (分)")
    method: PaymentMethod
    paid_at: AwareDatetime | None = Field(default=None, description="Default: now")
    reference: Text(100) | None = None


class RatingIn(StrictModel):
    score: int = Field(ge=1, le=5)
    comment: Note | None = None


# ---- responses -----------------------------------------------------------------------------

class WorkerParty(BaseModel):
    id: int
    name: str
    phone: str = Field(description="Masked unless the caller has hired the worker")
    phone_masked: bool


class EmployerParty(BaseModel):
    id: int
    name: str
    contact_name: str | None
    contact_phone: str | None = Field(description="Masked until the worker is hired")
    phone_masked: bool


class JobSummary(BaseModel):
    id: int
    title: str
    status: JobStatus
    employment_type: EmploymentType
    starts_at: datetime
    ends_at: datetime
    district_code: str
    urgent: bool
    injury_protection: bool


class ApplicationOut(BaseModel):
    id: int
    job: JobSummary
    worker: WorkerParty
    employer: EmployerParty
    status: ApplicationStatus
    message: str | None
    decision_note: str | None
    decided_at: datetime | None
    engagement_id: int | None
    created_at: datetime


class OfferOut(BaseModel):
    id: int
    job: JobSummary
    worker: WorkerParty
    employer: EmployerParty
    status: OfferStatus
    message: str | None
    agreement_type: AgreementType | None
    expires_at: datetime
    decided_at: datetime | None
    engagement_id: int | None
    created_at: datetime


class WageTerms(BaseModel):
    amount: int
    unit: WageUnit
    settlement: Settlement


class AttendanceOut(BaseModel):
    at: datetime | None
    lat: float | None
    lng: float | None
    distance_m: float | None
    flagged: bool = Field(description="Farther from the job than the configured distance")


class HoursOut(BaseModel):
    status: Literal["pending", "confirmed", "disputed"] | None
    worked_minutes: int | None
    reported_pieces: int | None
    confirmed_minutes: int | None
    confirmed_pieces: int | None


class DisputeOut(BaseModel):
    id: int
    status: Literal["open", "resolved"]
    claimed_minutes: int | None
    claimed_pieces: int | None
    proposed_minutes: int | None
    proposed_pieces: int | None
    reason: str
    raised_at: datetime
    resolution: str | None
    resolved_minutes: int | None
    resolved_pieces: int | None
    resolution_note: str | None
    resolved_at: datetime | None


class PaymentOut(BaseModel):
    id: int
    amount: int
    method: PaymentMethod
    paid_at: datetime
    reference: str | None
    created_at: datetime


class RatingOut(BaseModel):
    rater: Literal["worker", "employer"]
    score: int
    comment: str | None
    created_at: datetime


class WagesOut(BaseModel):
    terms: WageTerms | None
    due_fen: int = Field(description="Provisional until the hours are confirmed")
    paid_fen: int
    outstanding_fen: int = Field(description="Unpaid, including any disputed_fen")
    disputed_fen: int = Field(
        description="Part of the worker's claimed wages an open hours dispute contests"
    )
    due_date: date | None
    payment_status: PaymentStatus = Field(
        description="never `paid` while an hours dispute is open: `disputed` when all but the "
        "contested part is paid"
    )
    days_overdue: int


class EngagementOut(BaseModel):
    id: int
    job: JobSummary
    worker: WorkerParty
    employer: EmployerParty
    status: EngagementStatus
    source: str | None
    agreement_type: AgreementType | None
    starts_at: datetime
    ends_at: datetime
    hired_at: datetime | None
    check_in: AttendanceOut
    check_out: AttendanceOut
    hours: HoursOut
    completed_at: datetime | None
    wages: WagesOut
    cancelled_at: datetime | None
    cancel_reason: str | None
    late_cancellation: bool
    no_show_at: datetime | None
    disputes: list[DisputeOut]
    payments: list[PaymentOut]
    ratings: list[RatingOut]
    created_at: datetime
    updated_at: datetime


class ArrearsItem(BaseModel):
    engagement_id: int
    job_id: int
    job_title: str
    district_code: str
    employer_id: int
    employer_name: str
    worker_id: int
    worker_name: str
    status: EngagementStatus
    settlement: Settlement | None
    due_date: date
    due_fen: int
    paid_fen: int
    outstanding_fen: int = Field(description="Unpaid, including any disputed_fen")
    disputed_fen: int
    days_overdue: int


class ArrearsPage(BaseModel):
    as_of_date: date = Field(description="The Asia/Shanghai day the report was computed for")
    total_count: int
    total_outstanding_fen: int
    items: list[ArrearsItem]
    next_cursor: str | None = None


class WorkRecord(BaseModel):
    engagement_id: int
    job_id: int
    job_title: str
    employer_id: int
    employer_name: str
    employment_type: EmploymentType
    agreement_type: AgreementType | None
    injury_protection: bool = Field(description="职业伤害保障 carried by the job")
    status: EngagementStatus
    start_date: date
    end_date: date
    checked_in_at: datetime | None
    checked_out_at: datetime | None
    hours: float | None = Field(description="Confirmed hours, else the attendance's")
    pieces: int | None
    wage: WageTerms | None
    due_fen: int
    paid_fen: int
    outstanding_fen: int
    disputed_fen: int
    due_date: date | None
    payment_status: PaymentStatus


class ReliabilityOut(BaseModel):
    worker_id: int
    reliability: float
    completed: int
    no_shows: int
    late_cancellations: int
    ratings_count: int
    rating_average: float | None


class CreditOut(BaseModel):
    employer_id: int
    credit: float
    settled: int
    in_arrears: int
    arrears_fen: int
    kept: int
    cancellations: int
    late_cancellations: int
    ratings_count: int
    rating_average: float | None
