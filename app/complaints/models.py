from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, Timestamped, UTCDateTime


class Complaint(Timestamped, Base):
    """A complaint about a posting, an employer or an engagement (item 十五), handled as a
    case: assigned to the district's market or an inspector, decided before its deadline."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # job | employer | engagement
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(BigId)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True)
    engagement_id: Mapped[int | None] = mapped_column(ForeignKey("engagements.id"), nullable=True)
    # fees_asked | wage_arrears | discrimination | fake_posting | subcontracting | other
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text)
    district_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    complainant_role: Mapped[str] = mapped_column(String(20))
    complainant_key_id: Mapped[int] = mapped_column(BigId, index=True)
    complainant_worker_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    # open → assigned → substantiated | unsubstantiated
    status: Mapped[str] = mapped_column(String(20))
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_market_id: Mapped[int | None] = mapped_column(
        ForeignKey("markets.id"), nullable=True, index=True
    )
    assigned_inspector_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    outcome_note: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    posting_suspended: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)

    __table_args__ = (Index("ix_complaints_status_deadline_at", "status", "deadline_at"),)
