from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, Timestamped, UTCDateTime

# States in which a hire holds a headcount slot and books the worker's time.
LIVE_STATUSES = ("hired", "checked_in", "checked_out")


class Engagement(Timestamped, Base):
    """A worker hired onto a job. The foundation keeps what matching and privacy read:
    who, which job, the booked time and the state."""

    __tablename__ = "engagements"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    # hired → checked_in → checked_out → completed → paid; cancelled_by_worker,
    # cancelled_by_employer, no_show
    status: Mapped[str] = mapped_column(String(30))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_engagements_worker_status", "worker_id", "status"),
        Index("ix_engagements_job_status", "job_id", "status"),
        Index("ix_engagements_employer_worker", "employer_id", "worker_id"),
    )
