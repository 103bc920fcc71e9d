from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, Timestamped, UTCDateTime


class Employer(Timestamped, Base):
    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # None only for individual employers (item 八: a household needs no business licence).
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True, nullable=True)
    # employer | platform | agency | individual (用人单位 / 平台企业 / 人力资源服务机构 / 个人)
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
    # 人力资源服务许可证: an agency's postings go live only while it is valid.
    licence_no: Mapped[str | None] = mapped_column(String(60), nullable=True)
    licence_expiry_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Complaints found substantiated (item 十五); past the threshold, posting is blocked.
    substantiated_complaints: Mapped[int] = mapped_column(
        Integer, default=0, server_default=text("0")
    )
    posting_blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
