"""Which partner key may push postings for which employer under a source, and what it pushed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, Timestamped, UTCDateTime, utcnow


class PartnerGrant(Base):
    """The partner key `partner_key_id` may post for `employer_id` under `source`. A source
    belongs to one partner key; grants come from admins or from the employer itself."""

    __tablename__ = "partner_grants"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(40), index=True)
    partner_key_id: Mapped[int] = mapped_column(BigId, index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"))
    created_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("source", "employer_id"),)


class PartnerPosting(Timestamped, Base):
    """The last payload a partner PUT for a posting: a repeat with the same hash is a no-op."""

    __tablename__ = "partner_postings"

    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    source: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(100))
    partner_key_id: Mapped[int] = mapped_column(BigId)
    payload: Mapped[dict] = mapped_column(JSON)
    payload_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("source", "external_id"),)
