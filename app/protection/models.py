from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, Timestamped, UTCDateTime


class Protection(Timestamped, Base):
    """Injury cover the employer holds for one engagement (its side of the record). Each
    employer records its own: item 十四 wants cover from every employer of a part-timer."""

    __tablename__ = "engagement_protections"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"), unique=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    # work_injury 工伤保险 | occupational_injury_pilot 职业伤害保障 | commercial_accident 商业意外险
    # | none
    type: Mapped[str] = mapped_column(String(30))
    insurer: Mapped[str | None] = mapped_column(String(120), nullable=True)
    policy_no: Mapped[str | None] = mapped_column(String(60), nullable=True)
    from_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    to_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    evidence_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    recorded_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)


class ReportedEngagement(Timestamped, Base):
    """An engagement a partner platform reports for its own workers (item 十六's register),
    keyed by the partner's external id so a push can be repeated safely."""

    __tablename__ = "reported_engagements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(100))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    worker_ref: Mapped[str] = mapped_column(String(100))
    # rider | ride_hailing_driver | truck_driver | other
    occupation: Mapped[str] = mapped_column(String(30))
    agreement_kind: Mapped[str | None] = mapped_column(String(30), nullable=True)
    week_start_date: Mapped[date] = mapped_column(Date)
    weekly_minutes: Mapped[int] = mapped_column()
    protection_type: Mapped[str] = mapped_column(String(30))
    insurer: Mapped[str | None] = mapped_column(String(120), nullable=True)
    policy_no: Mapped[str | None] = mapped_column(String(60), nullable=True)
    arrears_fen: Mapped[int] = mapped_column(default=0)
    reported_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("uq_reported_engagements_source_external_id", "source", "external_id", unique=True),
    )
