from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, BigId, Timestamped, UTCDateTime


class Worker(Timestamped, Base):
    __tablename__ = "workers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    birth_date: Mapped[date] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(10))
    certificates: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Home is kept to ~100 m (3 decimals) and a district: enough to match, not an address.
    home_lat: Mapped[float] = mapped_column(Float)
    home_lng: Mapped[float] = mapped_column(Float)
    district_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    max_travel_km: Mapped[float] = mapped_column(Float)
    # [{"weekday": 1-7, "start": "HH:MM", "end": "HH:MM"}] in Asia/Shanghai; null = any time
    availability: Mapped[list[dict] | None] = mapped_column(JSON, nullable=True)
    available_from_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    available_until_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    min_wage_amount: Mapped[int | None] = mapped_column(Integer, nullable=True)
    min_wage_unit: Mapped[str | None] = mapped_column(String(10), nullable=True)
    target_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    hukou_chongqing: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    registered_unemployed_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    graduation_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Declared occupation (e.g. 网约车司机) and its taxonomy code: a job type for the
    # flexible-employment subsidy besides the jobs the worker was hired onto.
    occupation: Mapped[str | None] = mapped_column(String(60), nullable=True)
    occupation_code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    # active | inactive
    status: Mapped[str] = mapped_column(String(20), default="active")
    # Engagement history turned into [0, 1] (0.5 = newcomer); kept on the row so matching
    # reads it with the candidate instead of aggregating history per request.
    reliability: Mapped[float] = mapped_column(Float, default=0.5, server_default="0.5")
    registered_by_market_id: Mapped[int | None] = mapped_column(
        ForeignKey("markets.id"), nullable=True
    )
    created_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    skills: Mapped[list[WorkerSkill]] = relationship(
        back_populates="worker",
        cascade="all, delete-orphan",
        lazy="raise",
        order_by="WorkerSkill.position",
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_workers_status_home", "status", "home_lat", "home_lng"),
        Index("ix_workers_registered_by_market_id", "registered_by_market_id"),
        Index("ix_workers_district_code", "district_code"),
    )


class WorkerSkill(Base):
    __tablename__ = "worker_skills"

    worker_id: Mapped[int] = mapped_column(
        ForeignKey("workers.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    raw: Mapped[str] = mapped_column(String(60))
    # Canonical taxonomy code, or null when the text matched nothing well enough.
    skill_code: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    similarity: Mapped[float] = mapped_column(Float, default=0.0)
    years: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Where the skill came from when not typed by a person, e.g. "training_enrolment:12".
    source: Mapped[str | None] = mapped_column(String(60), nullable=True)

    worker: Mapped[Worker] = relationship(back_populates="skills", lazy="raise")
