from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from app.common.schemas import Id, StrictModel
from app.common.text import Text
from app.webhooks.audience import TYPE_PATTERN

MAX_OVERLAP_SECONDS = 7 * 24 * 3600


def _event_type(value: str) -> str:
    if not TYPE_PATTERN.match(value):
        raise ValueError("an event type ('job.created'), a prefix ('job.*') or '*'")
    return value


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


EventType = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60),
                      AfterValidator(_event_type)]
EventTypes = Annotated[list[EventType], Field(min_length=1, max_length=50),
                       AfterValidator(_unique)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=2000)]
DeliveryStatus = Literal["pending", "succeeded", "failed", "cancelled"]


class EndpointCreate(StrictModel):
    url: Url = Field(description="https URL that resolves to public addresses")
    event_types: EventTypes = Field(
        default_factory=lambda: ["*"],
        description="Event types to receive: exact ('job.created'), prefix ('job.*') or '*'",
    )
    description: Text(500, min_length=0) = ""


class EndpointPatch(StrictModel):
    url: Url | None = None
    event_types: EventTypes | None = None
    description: Text(500, min_length=0) | None = None
    enabled: bool | None = Field(default=None, description="false disables, true re-enables")


class RotateIn(StrictModel):
    overlap_seconds: int | None = Field(
        default=None, ge=0, le=MAX_OVERLAP_SECONDS,
        description="How long deliveries are also signed with the old secret (default: setting)",
    )


class EndpointOut(BaseModel):
    id: int
    url: str
    description: str
    event_types: list[str]
    enabled: bool
    disabled_at: datetime | None
    disabled_reason: str | None
    failing_since: datetime | None
    previous_secret_expires_at: datetime | None = Field(
        description="While set and in the future, deliveries carry a signature with the old "
                    "secret too"
    )
    created_at: datetime
    updated_at: datetime


class EndpointWithSecret(EndpointOut):
    secret: str = Field(description="whsec_… signing secret; shown only in this response")


class TestSent(BaseModel):
    event_id: str
    delivery_id: int


class AttemptOut(BaseModel):
    attempt: int
    attempted_at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None
    response_excerpt: str | None


class DeliveryOut(BaseModel):
    id: int
    endpoint_id: int
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    attempts: list[AttemptOut]


class EventOut(BaseModel):
    id: str = Field(description="The event id; also the webhook-id of its deliveries")
    type: str
    timestamp: datetime
    resource_type: str
    resource_id: int
    data: dict[str, Any]


class EventFeed(BaseModel):
    items: list[EventOut]
    next_cursor: str = Field(
        description="Pass as `after` next time. Never null: the feed grows, poll with it."
    )
    has_more: bool = Field(description="true if more events are already available")


class RedeliverIn(StrictModel):
    endpoint_id: Id | None = Field(
        default=None, description="One of your endpoints; default: all that subscribe to it"
    )


class RedeliveryOut(BaseModel):
    delivery_id: int
    endpoint_id: int
    status: DeliveryStatus


class Redelivered(BaseModel):
    deliveries: list[RedeliveryOut]
