"""Domain events go to the outbox table in the caller's transaction (never committed here)."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.events.models import Event
from app.events.registry import event_registry


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(12)


def record_event(
    session: AsyncSession,
    type_: str,
    *,
    resource_type: str,
    resource_id: int,
    data: dict[str, Any],
    employer_id: int | None = None,
    worker_id: int | None = None,
    market_id: int | None = None,
    public: bool = False,
    audience_key_id: int | None = None,
) -> Event:
    if type_ not in event_registry():  # every event type is documented in the webhooks contract
        raise ValueError(f"event type {type_!r} is not declared in any app/<domain>/events.py")
    event = Event(
        public_id=new_event_id(),
        type=type_,
        resource_type=resource_type,
        resource_id=resource_id,
        employer_id=employer_id,
        worker_id=worker_id,
        market_id=market_id,
        public=public,
        audience_key_id=audience_key_id,
        data=data,
    )
    session.add(event)
    return event
