from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, BigId, Timestamped, UTCDateTime


class Job(Timestamped, Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # part_time 非全日制 | temporary 临时性 | seasonal 阶段性
    employment_type: Mapped[str] = mapped_column(String(20))
    headcount: Mapped[int] = mapped_column(Integer)
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(200))
    district_code: Mapped[str] = mapped_column(String(6))
    radius_km: Mapped[float | None] = mapped_column(Float, nullable=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # [{"starts_at": iso, "ends_at": iso}]; empty means one shift from starts_at to ends_at
    shifts: Mapped[list[dict]] = mapped_column(JSON, default=list)
    wage_amount: Mapped[int] = mapped_column(Integer)  # fen per unit
    wage_unit: Mapped[str] = mapped_column(String(10))
    wage_settlement: Mapped[str] = mapped_column(String(20))
    req_gender: Mapped[str | None] = mapped_column(String(10), nullable=True)
    req_min_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    req_max_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    req_certificates: Mapped[list[str]] = mapped_column(JSON, default=list)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    # 职业伤害保障: the job carries occupational-injury protection (item 十六's records).
    injury_protection: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Hires must sign a written agreement before checking in (item 十六).
    agreement_required: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Posted on behalf of another employer: the end client, and every employer in between
    # (client first). More than one hop is 层层转包 and flagged.
    on_behalf_of_employer_id: Mapped[int | None] = mapped_column(
        ForeignKey("employers.id"), nullable=True
    )
    subcontract_chain: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    subcontract_flagged: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    suspension_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source: Mapped[str | None] = mapped_column(String(40), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # pending_review → open → filled | closed | expired | cancelled; rejected by review;
    # suspended (a substantiated complaint, an agency's lapsed licence)
    status: Mapped[str] = mapped_column(String(20))
    review_note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    registered_by_market_id: Mapped[int | None] = mapped_column(
        ForeignKey("markets.id"), nullable=True
    )
    created_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    skills: Mapped[list[JobSkill]] = relationship(
        back_populates="job", cascade="all, delete-orphan", lazy="raise", order_by="JobSkill.position"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_jobs_status_district", "status", "district_code"),
        Index("ix_jobs_status_lat_lng", "status", "lat", "lng"),
        Index("uq_jobs_source_external_id", "source", "external_id", unique=True),
        Index("ix_jobs_published_at", "published_at"),
        Index("ix_jobs_registered_by_market_id", "registered_by_market_id"),
    )


class JobSkill(Base):
    __tablename__ = "job_skills"

    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    raw: Mapped[str] = mapped_column(String(60))
    skill_code: Mapped[str | None] = mapped_column(String(60), nullable=True, index=True)
    similarity: Mapped[float] = mapped_column(Float, default=0.0)

    job: Mapped[Job] = relationship(back_populates="skills", lazy="raise")
