"""Webhook endpoints, one delivery per (event, endpoint), every attempt, and the sequencer row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigId, Timestamped, UTCDateTime, utcnow


class WebhookEndpoint(Timestamped, Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(500), default="")
    # ["*"] or exact types ("job.created") or prefixes ("job.*").
    event_types: Mapped[list[str]] = mapped_column(JSON)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Start of the current unbroken run of failed attempts; cleared by any 2xx.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Owner: the subject (employer/market/worker) the creating key acts for, else that key.
    owner_role: Mapped[str] = mapped_column(String(20))
    owner_subject_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    owner_key_id: Mapped[int] = mapped_column(BigId, index=True)
    # Signing secrets, encrypted with a key derived from the service secret key.
    secret_enc: Mapped[str] = mapped_column(Text)
    previous_secret_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (Index("ix_webhook_endpoints_owner", "owner_role", "owner_subject_id"),)


class WebhookDelivery(Base):
    """One event for one endpoint: pending until a 2xx (succeeded) or the schedule runs out."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    # pending | succeeded | failed | cancelled
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    # When pending: the next attempt is due (or a claim's lease ends) at this time.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set by the dispatcher that claimed the current attempt; its result only lands if it
    # still matches, so an attempt is never recorded twice.
    claim_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),
        Index(
            "ix_webhook_deliveries_due", "next_attempt_at",
            postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'"),
        ),
    )


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # At most 2 KB of the response body, decoded leniently.
    response_excerpt: Mapped[str | None] = mapped_column(Text, nullable=True)


class EventSequencer(Base):
    """One row: the last commit-order number handed to an event. Its row lock serialises
    sequencing, so sequence numbers become visible strictly in order."""

    __tablename__ = "event_sequencer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
