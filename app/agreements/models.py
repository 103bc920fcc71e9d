from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, UTCDateTime, utcnow


class Agreement(Base):
    """The written agreement of one engagement. The rendered document and its SHA-256 are
    written once and never changed; only the two signatures are added later."""

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    engagement_id: Mapped[int] = mapped_column(ForeignKey("engagements.id"), unique=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    # labour_contract 劳动合同 | written_agreement 书面协议 | part_time_contract 非全日制 |
    # civil_agreement 民事协议
    kind: Mapped[str] = mapped_column(String(30))
    terms: Mapped[dict] = mapped_column(JSON)
    document: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    # awaiting_signatures | signed
    status: Mapped[str] = mapped_column(String(30))
    employer_code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    employer_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    worker_code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    worker_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    employer_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    employer_signed_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    worker_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    worker_signed_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
