"""Training (policy items 十一/十二): the "3+" catalogues, courses, enrolments, 满天星 vouchers
and training wishes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, Timestamped, UTCDateTime

# Catalogue entries go proposed (by a market) → published (by an admin) → retired.
CATALOGUE_STATUSES = ("proposed", "published", "retired")


class CatalogueEntry(Timestamped):
    """Columns every catalogue shares: who proposed it, its status and an optimistic version."""

    status: Mapped[str] = mapped_column(String(20), default="proposed")
    proposed_by_market_id: Mapped[int | None] = mapped_column(
        ForeignKey("markets.id"), nullable=True
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ShortageTrade(CatalogueEntry, Base):
    """紧缺工种目录: a skill short in a district (or citywide) for a period, with the figures."""

    __tablename__ = "training_shortage_trades"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    skill_code: Mapped[str] = mapped_column(String(60), index=True)
    district_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    period_start_date: Mapped[date] = mapped_column(Date)
    period_end_date: Mapped[date] = mapped_column(Date)
    # {"open_positions": n, "unfilled_headcount": n, "missed_offers": n, ...} as given
    demand_figures: Mapped[dict] = mapped_column(JSON, default=dict)


class TrainingInstitution(CatalogueEntry, Base):
    """培训机构目录."""

    __tablename__ = "training_institutions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    licence_no: Mapped[str] = mapped_column(String(60))
    district_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    delivery: Mapped[str] = mapped_column(String(10))  # online | offline | both
    # May take 满天星 vouchers (a listed digital-skills provider).
    voucher_eligible: Mapped[bool] = mapped_column(Boolean, default=False)


class SubsidyRate(CatalogueEntry, Base):
    """培训补贴目录: the subsidy per trainee for a course level in a year."""

    __tablename__ = "training_subsidy_rates"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    level: Mapped[str] = mapped_column(String(30))
    year: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200))

    __table_args__ = (CheckConstraint("amount_fen >= 0", name="amount_nonnegative"),)


class CatalogueHistory(Base):
    """Every version of every catalogue entry, as it was after each change."""

    __tablename__ = "training_catalogue_history"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    catalogue: Mapped[str] = mapped_column(String(30))
    entry_id: Mapped[int] = mapped_column(BigId)
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))  # proposed | created | changed | published
    snapshot: Mapped[dict] = mapped_column(JSON)
    changed_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_training_catalogue_history_entry", "catalogue", "entry_id"),)


class Course(Timestamped, Base):
    __tablename__ = "training_courses"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("training_institutions.id"),
                                                index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    skill_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    certificate: Mapped[str | None] = mapped_column(String(60), nullable=True)
    hours: Mapped[int] = mapped_column(Integer)
    delivery: Mapped[str] = mapped_column(String(10))  # online | offline
    digital_skills: Mapped[bool] = mapped_column(Boolean, default=False)
    district_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    starts_on_date: Mapped[date] = mapped_column(Date)
    ends_on_date: Mapped[date] = mapped_column(Date)
    schedule: Mapped[str | None] = mapped_column(String(200), nullable=True)
    capacity: Mapped[int] = mapped_column(Integer)
    price_fen: Mapped[int] = mapped_column(Integer)
    subsidy_level: Mapped[str | None] = mapped_column(String(30), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | closed
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("price_fen >= 0", name="price_nonnegative"),
    )


# applied → confirmed → completed; applied/confirmed → withdrawn
ENROLMENT_LIVE = ("applied", "confirmed", "completed")


class Enrolment(Timestamped, Base):
    __tablename__ = "training_enrolments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("training_courses.id"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="applied")
    registered_by_market_id: Mapped[int | None] = mapped_column(
        ForeignKey("markets.id"), nullable=True
    )
    voucher_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    attended_hours: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    certificate_no: Mapped[str | None] = mapped_column(String(60), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        UniqueConstraint("course_id", "worker_id"),
        Index("ix_training_enrolments_course_id_status", "course_id", "status"),
    )


class VoucherProgramme(Timestamped, Base):
    """One year of 满天星 vouchers: the quota, the live count and the eligibility rules."""

    __tablename__ = "training_voucher_programmes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    quota: Mapped[int] = mapped_column(Integer, default=10_000)
    issued_count: Mapped[int] = mapped_column(Integer, default=0)
    # {"target_groups": [...] (any of; empty = everyone), "registered_only": bool,
    #  "per_worker": int, "validity_days": int}
    rules: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        CheckConstraint("quota >= 0", name="quota_nonnegative"),
        CheckConstraint("issued_count >= 0", name="issued_nonnegative"),
    )


# issued → redeemed | expired | cancelled
class Voucher(Timestamped, Base):
    __tablename__ = "training_vouchers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"))
    status: Mapped[str] = mapped_column(String(20), default="issued")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    issued_by_market_id: Mapped[int | None] = mapped_column(
        ForeignKey("markets.id"), nullable=True
    )
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_courses.id"), nullable=True
    )
    enrolment_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    replaces_voucher_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("ix_training_vouchers_worker_id_year", "worker_id", "year"),
        Index("ix_training_vouchers_year_status", "year", "status"),
    )


class TrainingWish(Base):
    """收集培训需求: a worker's own wish, or a market's count of people asking on site."""

    __tablename__ = "training_wishes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("workers.id"), nullable=True)
    market_id: Mapped[int | None] = mapped_column(ForeignKey("markets.id"), nullable=True)
    skill_text: Mapped[str] = mapped_column(String(60))
    skill_code: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    district_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    people: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
