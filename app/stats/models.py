"""Per-posting statistics facts, folded in by a sweep (app/stats/rollup.py).

One row per published posting: its dimensions as at the sweep and its derived figures
(positions filled, seconds to fill and to first contact). Reports aggregate these rows instead
of re-deriving them from every engagement, application and offer; postings changed since the
watermark are derived live instead, so the figures are always exactly today's.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, UTCDateTime
from app.engagements.models import Application, Engagement, Offer
from app.jobs.models import Job
from app.workers.models import Worker


class StatsJobFact(Base):
    __tablename__ = "stats_job_facts"

    job_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    district_code: Mapped[str] = mapped_column(String(6))
    employment_type: Mapped[str] = mapped_column(String(20))
    market_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    headcount: Mapped[int] = mapped_column(Integer)
    wage_unit: Mapped[str] = mapped_column(String(10))
    wage_amount: Mapped[int] = mapped_column(Integer)  # fen per unit
    filled: Mapped[int] = mapped_column(Integer)
    fill_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    match_s: Mapped[float | None] = mapped_column(Float, nullable=True)

    __table_args__ = (
        Index("ix_stats_job_facts_published_at", "published_at"),
        Index("ix_stats_job_facts_market_id", "market_id", "published_at"),
    )


class StatsDay(Base):
    """The facts of one Shanghai day's postings in one district and employment type, folded:
    sums, and the values medians are taken of, packed (app/stats/daily.py). A year city-wide
    is ~40k of these rows instead of a million facts; medians stay exact because every value
    is still there, only no longer one row each."""

    __tablename__ = "stats_days"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day_date: Mapped[date] = mapped_column(Date)
    district_code: Mapped[str] = mapped_column(String(6))
    employment_type: Mapped[str] = mapped_column(String(20))
    postings: Mapped[int] = mapped_column(Integer)
    positions: Mapped[int] = mapped_column(Integer)
    filled: Mapped[int] = mapped_column(Integer)
    # float64 little-endian: the non-null seconds to fill / to first contact, and the wages
    # (fen) with one byte each naming the unit (an index into daily.WAGE_UNITS).
    fill_values: Mapped[bytes] = mapped_column(LargeBinary)
    match_values: Mapped[bytes] = mapped_column(LargeBinary)
    wage_values: Mapped[bytes] = mapped_column(LargeBinary)
    wage_units: Mapped[bytes] = mapped_column(LargeBinary)

    # One row per key; leading with the day, it is also what a report's range reads by.
    __table_args__ = (UniqueConstraint("day_date", "district_code", "employment_type"),)


class StatsWorkerFact(Base):
    """One row per active worker as at the sweep: what the overview counts workers by."""

    __tablename__ = "stats_worker_facts"

    worker_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("workers.id", ondelete="CASCADE"), primary_key=True)
    district_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    market_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    groups_mask: Mapped[int] = mapped_column(Integer)  # bit i: service.GROUPS[i]


class StatsWorkerCount(Base):
    """The worker facts counted by district × market × set of target groups (rebuilt by each
    sweep): a city-wide overview reads a few hundred of these rows, not a million workers."""

    __tablename__ = "stats_worker_counts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    district_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    market_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    groups_mask: Mapped[int] = mapped_column(Integer)
    workers: Mapped[int] = mapped_column(Integer)


class StatsRollupState(Base):
    """One row: changes stamped at or after `watermark_at` are not yet in the facts."""

    __tablename__ = "stats_rollup_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watermark_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


# What the sweep and the reads look for changes by (declared here, on the other domains'
# tables, so those modules stay as they are).
UPDATED_AT_INDEXES = tuple(
    Index(f"ix_{model.__tablename__}_updated_at", model.updated_at)
    for model in (Job, Engagement, Application, Offer, Worker)
)
