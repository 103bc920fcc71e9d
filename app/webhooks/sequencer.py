"""Commit order and fan-out, done by the dispatcher after events commit.

Event ids come from a sequence, and under concurrency on PostgreSQL a transaction holding id 7
can commit after one holding id 8; a feed ordered by id would let a poller that already read
8 skip 7 forever. So the dispatcher hands out `events.seq` instead: under the sequencer row's
lock it takes committed events that have no seq yet, numbers them after the last one, and in
the same transaction creates their deliveries (one per subscribed endpoint whose owner may see
the event). Sequencing transactions are serialised by that lock and each numbers after the
previous one, so a reader that sees seq N also sees every seq below N: the feed (ordered by
seq) never skips, and an event is fanned out exactly once (its seq is set in the same commit;
the (event, endpoint) unique key guards the rest). Events of a rolled-back transaction never
exist, so they are never sequenced or delivered.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import ApiKey
from app.auth.principal import Role
from app.db import utcnow
from app.events.models import Event
from app.webhooks.audience import Owner, can_see, type_matches
from app.webhooks.models import EventSequencer, WebhookDelivery, WebhookEndpoint

# Delivered only to the endpoint that asked (their delivery row is written with the event).
DIRECT_TYPES = frozenset({"webhook.test"})
BATCH = 1000


def is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_ignoring_duplicates(session: AsyncSession, table):
    if is_postgres(session):
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table).on_conflict_do_nothing()


async def _lock_sequencer(session: AsyncSession) -> int | None:
    """The last seq, with the sequencer locked for this transaction; None if another
    dispatcher holds it (PostgreSQL). SQLite has one writer: the write takes the lock."""
    if is_postgres(session):
        return await session.scalar(
            select(EventSequencer.last_seq)
            .where(EventSequencer.id == 1)
            .with_for_update(skip_locked=True)
        )
    return await session.scalar(
        update(EventSequencer)
        .where(EventSequencer.id == 1)
        .values(last_seq=EventSequencer.last_seq)
        .returning(EventSequencer.last_seq)
    )


async def _subscribers(session: AsyncSession) -> list[tuple[int, list[str], Owner]]:
    now = utcnow()
    rows = await session.execute(
        select(
            WebhookEndpoint.id, WebhookEndpoint.event_types, WebhookEndpoint.owner_role,
            WebhookEndpoint.owner_subject_id, WebhookEndpoint.owner_key_id,
            ApiKey.revoked_at, ApiKey.expires_at,
        )
        .outerjoin(ApiKey, ApiKey.id == WebhookEndpoint.owner_key_id)
        .where(WebhookEndpoint.enabled.is_(True))
        .order_by(WebhookEndpoint.id)
    )
    out = []
    for r in rows:
        key_dead = r.revoked_at is not None or (r.expires_at is not None and r.expires_at <= now)
        if r.owner_subject_id is None and key_dead:
            continue  # owned by a key that no longer exists for anyone
        owner = Owner(Role(r.owner_role), r.owner_subject_id, r.owner_key_id)
        out.append((r.id, r.event_types, owner))
    return out


async def sequence_batch(
    session: AsyncSession, first_delay_seconds: float, batch: int = BATCH
) -> int:
    """Numbers and fans out up to `batch` events; the caller commits. Returns how many."""
    last = await _lock_sequencer(session)
    if last is None:
        return 0
    events = (
        await session.execute(
            select(
                Event.id, Event.type, Event.public, Event.audience_key_id, Event.employer_id,
                Event.worker_id, Event.market_id,
            )
            .where(Event.seq.is_(None))
            .order_by(Event.id)
            .limit(batch)
        )
    ).all()
    if not events:
        return 0
    await session.execute(
        update(Event), [{"id": e.id, "seq": last + i} for i, e in enumerate(events, start=1)]
    )
    await session.execute(
        update(EventSequencer).where(EventSequencer.id == 1).values(last_seq=last + len(events))
    )
    subscribers = await _subscribers(session)
    now = utcnow()
    due = now + timedelta(seconds=first_delay_seconds)
    rows = [
        {"event_id": e.id, "endpoint_id": endpoint_id, "status": "pending", "attempt_count": 0,
         "next_attempt_at": due, "created_at": now}
        for e in events if e.type not in DIRECT_TYPES
        for endpoint_id, patterns, owner in subscribers
        if type_matches(patterns, e.type) and can_see(owner, e)
    ]
    if rows:
        await session.execute(insert_ignoring_duplicates(session, WebhookDelivery.__table__), rows)
    return len(events)
