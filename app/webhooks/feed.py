"""The pollable event feed, one event, and redelivery.

Order is `events.seq` (commit order, see sequencer.py). The head (last seq handed out) is read
before the page: every seq up to it is committed, so a page never ends past an event that a
later poll could still see appear below the cursor.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.common.problems import NotFound, Unprocessable
from app.db import utcnow
from app.events.models import Event
from app.webhooks.audience import can_see, owner_clause, type_clause, type_matches, visible_clause
from app.webhooks.lifecycle import endpoint_owner
from app.webhooks.models import EventSequencer, WebhookDelivery, WebhookEndpoint
from app.webhooks.service import get_endpoint

# How far past the cursor one poll looks: bounds the scan when filters match little.
FEED_WINDOW = 10_000


async def feed(
    session: AsyncSession, principal: Principal, *, after: int, type_pattern: str | None,
    limit: int,
) -> tuple[list[Event], int, bool]:
    head = await session.scalar(select(EventSequencer.last_seq).where(EventSequencer.id == 1)) or 0
    upper = min(head, after + FEED_WINDOW)
    stmt = (
        select(Event)
        .where(Event.seq > after, Event.seq <= upper, visible_clause(principal))
        .order_by(Event.seq)
        .limit(limit + 1)
    )
    if type_pattern:
        stmt = stmt.where(type_clause(type_pattern))
    rows = list(await session.scalars(stmt))
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, rows[-1].seq, True
    return rows, max(after, upper), upper < head


async def get_event(session: AsyncSession, principal: Principal, public_id: str) -> Event:
    event = await session.scalar(
        select(Event).where(
            Event.public_id == public_id, Event.seq.is_not(None), visible_clause(principal)
        )
    )
    if event is None:
        raise NotFound(f"no event with id {public_id}")
    return event


async def redeliver(
    session: AsyncSession, principal: Principal, public_id: str, endpoint_id: int | None
) -> list[WebhookDelivery]:
    """Sends the event again now to the caller's endpoints (or the one named): every
    delivery, finished or waiting for its next retry, restarts its schedule from the first
    attempt (a receiver just fixed should not wait out a long backoff). An attempt in flight
    at that moment loses its claim; its result is not recorded, the new attempt's is."""
    event = await get_event(session, principal, public_id)
    if endpoint_id is not None:
        targets = [await get_endpoint(session, principal, endpoint_id)]
        if not targets[0].enabled:
            raise Unprocessable(
                "/endpoint_id: the endpoint is disabled",
                errors=[{"pointer": "/endpoint_id", "detail": "the endpoint is disabled"}],
            )
    else:
        # The caller's own endpoints (an admin's too: not every endpoint an admin can see).
        owned = await session.scalars(
            select(WebhookEndpoint).where(
                owner_clause(WebhookEndpoint, principal), WebhookEndpoint.enabled.is_(True)
            )
        )
        targets = [e for e in owned if type_matches(e.event_types, event.type)]
    # An admin may name anyone's endpoint: its owner must still be allowed to see the event.
    targets = [e for e in targets if can_see(endpoint_owner(e), event)]
    if not targets:
        raise Unprocessable("none of your enabled endpoints subscribes to this event type")
    now = utcnow()
    out = []
    for endpoint in sorted(targets, key=lambda e: e.id):
        delivery = await session.scalar(
            select(WebhookDelivery).where(
                WebhookDelivery.event_id == event.id, WebhookDelivery.endpoint_id == endpoint.id
            ).with_for_update()
        )
        if delivery is None:
            delivery = WebhookDelivery(
                endpoint_id=endpoint.id, event_id=event.id, status="pending", attempt_count=0,
                next_attempt_at=now,
            )
            session.add(delivery)
        else:
            delivery.status, delivery.attempt_count = "pending", 0
            delivery.next_attempt_at, delivery.claim_token = now, None
        out.append(delivery)
    await session.flush()
    return out

