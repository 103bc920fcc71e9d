from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, Timestamped, UTCDateTime


class Employer(Timestamped, Base):
    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    # employer | platform | agency (用人单位 / 平台企业 / 人力资源服务机构)
    kind: Mapped[str] = mapped_column(String(20), default="employer")
    contact_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    district_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    # unverified | verified | rejected
    verification_status: Mapped[str] = mapped_column(String(20), default="unverified")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    verified_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    verification_note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_by_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
