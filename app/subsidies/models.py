from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, Timestamped


class SubsidyParameters(Timestamped, Base):
    """One calendar year's figures for the flexible-employment subsidy, set by the bureau:
    the lowest-tier monthly employee pension and medical contributions (the caps) and the
    job types that count as flexible employment that year."""

    __tablename__ = "subsidy_parameters"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    pension_lowest_fen: Mapped[int] = mapped_column(Integer)
    medical_lowest_fen: Mapped[int] = mapped_column(Integer)
    # Skill codes (transport.ride_hailing) or skill categories (家政服务) from the taxonomy.
    eligible_job_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    updated_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        CheckConstraint("pension_lowest_fen > 0", name="pension_positive"),
        CheckConstraint("medical_lowest_fen > 0", name="medical_positive"),
    )
