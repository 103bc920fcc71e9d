from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, UTCDateTime, utcnow


class Event(Base):
    """The outbox: written in the transaction of the change it describes."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Public id, stable across redeliveries (Standard Webhooks' webhook-id).
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(60), index=True)
    resource_type: Mapped[str] = mapped_column(String(30))
    resource_id: Mapped[int] = mapped_column(BigId)
    # Who may see it besides admins: the employer / worker / market the resource belongs to.
    employer_id: Mapped[int | None] = mapped_column(BigId, nullable=True, index=True)
    worker_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    market_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    public: Mapped[bool] = mapped_column(default=False)
    data: Mapped[dict] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A key that may see the event besides the above (e.g. endpoint.disabled for a partner).
    audience_key_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    # Commit order, assigned by the webhook dispatcher after the event's transaction committed
    # (ids come from a sequence and are not commit order under concurrency). NULL until then.
    seq: Mapped[int | None] = mapped_column(BigId, nullable=True, unique=True, index=True)

    __table_args__ = (
        # The dispatcher's work list: events not yet sequenced and fanned out.
        Index(
            "ix_events_unsequenced", "id",
            postgresql_where=text("seq IS NULL"), sqlite_where=text("seq IS NULL"),
        ),
    )
