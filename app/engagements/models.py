from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.db import Base, BigId, Timestamped, UTCDateTime, utcnow
from app.employers.models import Employer
from app.jobs.models import Job
from app.workers.models import Worker

# States in which a hire holds a headcount slot and books the worker's time.
LIVE_STATUSES = ("hired", "checked_in", "checked_out")
# States in which wages are owed and may be outstanding.
OWING_STATUSES = ("checked_out", "completed")


class Engagement(Timestamped, Base):
    """A worker hired onto a job, from the hire through attendance to payment.

    hired → checked_in → checked_out → completed → paid; cancelled_by_worker,
    cancelled_by_employer, no_show. The wage is copied from the job at the hire: it is what
    was agreed, whatever the posting says later.
    """

    __tablename__ = "engagements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    status: Mapped[str] = mapped_column(String(30))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    # application | offer
    source: Mapped[str | None] = mapped_column(String(20), nullable=True)
    # part_time_contract 非全日制劳动合同 | labour_contract 劳动合同 | service_agreement 劳务协议 |
    # platform_agreement 平台书面协议
    agreement_type: Mapped[str | None] = mapped_column(String(30), nullable=True)
    wage_amount: Mapped[int | None] = mapped_column(Integer, nullable=True)
    wage_unit: Mapped[str | None] = mapped_column(String(10), nullable=True)
    wage_settlement: Mapped[str | None] = mapped_column(String(20), nullable=True)
    hired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    check_in_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    check_in_lng: Mapped[float | None] = mapped_column(Float, nullable=True)
    check_in_distance_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    check_in_flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    check_out_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    check_out_lng: Mapped[float | None] = mapped_column(Float, nullable=True)
    check_out_distance_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    check_out_flagged: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # What the attendance says (minutes between check-in and check-out) and the pieces the
    # worker reported; then what the employer confirmed.
    worked_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reported_pieces: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # pending | confirmed | disputed
    hours_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    confirmed_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    confirmed_pieces: Mapped[int | None] = mapped_column(Integer, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    # Wages: what is due (provisional until the hours are confirmed), what has been paid.
    pay_due_fen: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    paid_fen: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # While an hours dispute is open: what the worker's attendance claims beyond the employer's
    # figure. Still owed until the dispute is resolved, so it stays visible as outstanding.
    disputed_fen: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Cancelled within `late_cancellation_hours` of the start (or after it).
    late_cancellation: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    job: Mapped[Job] = relationship(lazy="raise")
    worker: Mapped[Worker] = relationship(lazy="raise")
    employer: Mapped[Employer] = relationship(lazy="raise")
    payments: Mapped[list[Payment]] = relationship(
        lazy="raise", order_by="Payment.id", back_populates="engagement"
    )
    disputes: Mapped[list[HoursDispute]] = relationship(
        lazy="raise", order_by="HoursDispute.id", back_populates="engagement"
    )
    ratings: Mapped[list[Rating]] = relationship(
        lazy="raise", order_by="Rating.id", back_populates="engagement"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_engagements_worker_status", "worker_id", "status"),
        Index("ix_engagements_job_status", "job_id", "status"),
        Index("ix_engagements_employer_worker", "employer_id", "worker_id"),
        Index("ix_engagements_status_due_date", "status", "due_date"),
        Index("ix_engagements_status_starts_at", "status", "starts_at"),
        Index("ix_engagements_created_at", "created_at"),
        Index("ix_engagements_job_id_created_at", "job_id", "created_at"),
    )


class Proposal(Timestamped):
    """What an application and an offer share: a job, a worker, the job's employer, and a
    decision that may end in an engagement."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    message: Mapped[str | None] = mapped_column(String(500), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    engagement_id: Mapped[int | None] = mapped_column(
        ForeignKey("engagements.id"), nullable=True
    )
    created_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr
    def job(cls) -> Mapped[Job]:
        return relationship(lazy="raise")

    @declared_attr
    def worker(cls) -> Mapped[Worker]:
        return relationship(lazy="raise")

    @declared_attr
    def employer(cls) -> Mapped[Employer]:
        return relationship(lazy="raise")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}

    @classmethod
    def _indexes(cls, table: str) -> tuple[Index, ...]:
        pending = text("status = 'pending'")
        return (
            Index(f"ix_{table}_job_status", "job_id", "status"),
            Index(f"ix_{table}_job_id_created_at", "job_id", "created_at"),
            # One open proposal per worker and job, whatever races the requests run.
            Index(f"uq_{table}_job_worker_pending", "job_id", "worker_id", unique=True,
                  postgresql_where=pending, sqlite_where=pending),
        )


class Application(Proposal, Base):
    """A worker asks for a job; the employer accepts (a hire) or declines.
    status: pending | accepted | declined | withdrawn"""

    __tablename__ = "applications"

    decision_note: Mapped[str | None] = mapped_column(String(500), nullable=True)

    __table_args__ = Proposal._indexes("applications")


class Offer(Proposal, Base):
    """An employer invites a worker to a job; the worker accepts (a hire) or declines.
    status: pending | accepted | declined | withdrawn | expired"""

    __tablename__ = "offers"

    agreement_type: Mapped[str | None] = mapped_column(String(30), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        *Proposal._indexes("offers"),
        Index("ix_offers_status_expires_at", "status", "expires_at"),
    )


class HoursDispute(Base):
    """The employer contests the attendance; kept for the record however it ends."""

    __tablename__ = "hours_disputes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"), index=True)
    # open | resolved
    status: Mapped[str] = mapped_column(String(20))
    claimed_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    claimed_pieces: Mapped[int | None] = mapped_column(Integer, nullable=True)
    proposed_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    proposed_pieces: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(String(500))
    raised_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # worker_accepted | employer_confirmed | admin_decided
    resolution: Mapped[str | None] = mapped_column(String(30), nullable=True)
    resolved_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    resolved_pieces: Mapped[int | None] = mapped_column(Integer, nullable=True)
    resolution_note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    resolved_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    engagement: Mapped[Engagement] = relationship(back_populates="disputes", lazy="raise")


class Payment(Base):
    """Wages paid on an engagement; several partial payments may settle one."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # bank_transfer | wechat | alipay | cash | other
    method: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    recorded_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    engagement: Mapped[Engagement] = relationship(back_populates="payments", lazy="raise")

    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)


class Rating(Base):
    """One rating per side per engagement, after the work is completed."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"))
    # worker (rates the employer) | employer (rates the worker)
    rater: Mapped[str] = mapped_column(String(10))
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    engagement: Mapped[Engagement] = relationship(back_populates="ratings", lazy="raise")

    __table_args__ = (
        UniqueConstraint("engagement_id", "rater"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )
