from __future__ import annotations

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, Timestamped


class Market(Timestamped, Base):
    """A 零工市场 or 零工驿站. The foundation keeps what keys and postings refer to."""

    __tablename__ = "markets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # market (零工市场) | station (零工驿站)
    scale: Mapped[str] = mapped_column(String(20), default="market")
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lng: Mapped[float | None] = mapped_column(Float, nullable=True)
