"""Derived lookup tables for matching: one row per (worker | job, skill), keyed for retrieval.

Rows are written in the same transaction as the worker or job they mirror (app/matching/index.py)
so a profile is matchable the moment its create request commits, in every process. The lookup
index leads with the skill key, then a travel tier (workers) and a latitude band, then longitude:
a query asks for a handful of (key, tier, band, lng range) slices and reads only those.
On PostgreSQL the index carries every column matching reads (INCLUDE), so retrieval is an
index-only scan and never touches the heap.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, UTCDateTime, utcnow

WORKER_INCLUDE = [
    "worker_id", "lat", "similarity", "years", "raw", "max_travel_km", "cat_mask", "any_time",
    "min_wage_amount", "min_wage_unit", "reliability", "avail_mask",
]
JOB_INCLUDE = [
    "job_id", "lat", "raw", "radius_km", "wage_amount", "wage_unit", "urgent", "starts_at",
    "ends_at", "skill_codes", "n_skills", "blocks",
]


class WorkerMatchKey(Base):
    __tablename__ = "worker_match_keys"

    worker_id: Mapped[int] = mapped_column(
        ForeignKey("workers.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Canonical skill code, or "~" for text outside the taxonomy (compared by similarity).
    skill_key: Mapped[str] = mapped_column(String(60))
    raw: Mapped[str | None] = mapped_column(String(60), nullable=True)
    similarity: Mapped[float] = mapped_column(Float)
    years: Mapped[float | None] = mapped_column(Float, nullable=True)
    tier: Mapped[int] = mapped_column(SmallInteger)
    band: Mapped[int] = mapped_column(Integer)
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    max_travel_km: Mapped[float] = mapped_column(Float)
    # Bit i set: the worker holds a skill of taxonomy category i (partial credit).
    cat_mask: Mapped[int] = mapped_column(BigInteger)
    any_time: Mapped[bool] = mapped_column(Boolean)
    min_wage_amount: Mapped[int | None] = mapped_column(Integer, nullable=True)
    min_wage_unit: Mapped[str | None] = mapped_column(String(10), nullable=True)
    reliability: Mapped[float] = mapped_column(Float)
    # Week blocks the worker's availability touches (app/matching/keys.py); NULL: not yet
    # computed, treated as any time.
    avail_mask: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    __table_args__ = (
        Index(
            "ix_worker_match_keys_lookup", "skill_key", "tier", "band", "lng",
            postgresql_include=WORKER_INCLUDE,
        ),
    )


class JobMatchKey(Base):
    __tablename__ = "job_match_keys"

    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    skill_key: Mapped[str] = mapped_column(String(60))
    raw: Mapped[str | None] = mapped_column(String(60), nullable=True)
    band: Mapped[int] = mapped_column(Integer)
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    radius_km: Mapped[float | None] = mapped_column(Float, nullable=True)
    wage_amount: Mapped[int] = mapped_column(Integer)
    wage_unit: Mapped[str] = mapped_column(String(10))
    urgent: Mapped[bool] = mapped_column(Boolean)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Every required skill of the job in order, "~" for text outside the taxonomy, joined by
    # "|": coverage is judged against all of them, not just the key that found the row.
    skill_codes: Mapped[str] = mapped_column(String(700))
    n_skills: Mapped[int] = mapped_column(Integer)
    # Week blocks the posting's shifts touch (app/matching/keys.py); NULL: not yet computed
    # (no availability filter).
    blocks: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    __table_args__ = (
        Index(
            "ix_job_match_keys_lookup", "skill_key", "band", "lng",
            postgresql_include=JOB_INCLUDE,
        ),
    )


class WorkerMatchChange(Base):
    """One row per committed change of a worker's match keys (NULL worker_id: all of them):
    what each API process's in-memory index (app/matching/memindex.py) replays."""

    __tablename__ = "worker_match_changes"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    worker_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # pg_current_xact_id() of the writer on PostgreSQL; NULL on SQLite (one writer at a time).
    xid: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    # When it was logged, for pruning (NULL: logged before migration 0016, prunable).
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True,
                                                        default=utcnow, index=True)


class WorkerMatchChangeHorizon(Base):
    """One row: the highest seq and xid pruned from worker_match_changes. A process whose
    watermark is at or below them may have missed a pruned change: it reloads everything."""

    __tablename__ = "worker_match_change_horizon"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pruned_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    pruned_xid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
