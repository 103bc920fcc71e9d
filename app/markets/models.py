from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, Timestamped, UTCDateTime, utcnow


class Market(Timestamped, Base):
    """A 零工市场 or 零工驿站: where it is, how it is run, and since when."""

    __tablename__ = "markets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # market (零工市场) | station (零工驿站)
    scale: Mapped[str] = mapped_column(String(20), default="market")
    # public_agency (公共就业服务机构运营) | agency_window (依托现有机构设立专门窗口)
    # | purchased_service (政府购买服务)
    operating_mode: Mapped[str | None] = mapped_column(String(30), nullable=True)
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lng: Mapped[float | None] = mapped_column(Float, nullable=True)
    opening_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    operator: Mapped[str | None] = mapped_column(String(120), nullable=True)
    service_hotline: Mapped[str | None] = mapped_column(String(20), nullable=True)
    opening_hours: Mapped[str | None] = mapped_column(String(100), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ComplianceStandard(Base):
    """A standard version an admin published through the API (file versions are built in).
    Rows are never changed: assessments scored against a version keep meaning the same."""

    __tablename__ = "compliance_standards"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MarketAssessment(Timestamped, Base):
    """One assessment of a market against one standard version: what was typed in, what the
    platform computed, the scored result, and an inspector's verification if there is one."""

    __tablename__ = "market_assessments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("markets.id"))
    standard_version: Mapped[str] = mapped_column(String(40))
    # market (self-assessment) | inspector (an inspection, verified as it is made) | admin
    assessor_role: Mapped[str] = mapped_column(String(20))
    submitted_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    # End of the computed indicators' window; the market's scale and district as scored.
    as_of_at: Mapped[datetime] = mapped_column(UTCDateTime)
    scale: Mapped[str] = mapped_column(String(20))
    district_code: Mapped[str] = mapped_column(String(6))
    # {code: {"value": …, "evidence_url": …}} as typed in; {code: value} as computed
    submitted_values: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_values: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)

    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verified_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    verified_values: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    verified_result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    differences: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    verification_note: Mapped[str | None] = mapped_column(String(500), nullable=True)

    # What counts: the verified result once there is one, else the submitted result.
    score: Mapped[float] = mapped_column(Float)
    rating: Mapped[str] = mapped_column(String(20))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_market_assessments_market_current", "market_id", "verified", "effective_at"),
    )

    @property
    def effective_result(self) -> dict[str, Any]:
        return self.verified_result or self.result
