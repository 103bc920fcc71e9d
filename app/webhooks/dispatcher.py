"""The dispatcher: sequences new events, claims due deliveries, POSTs them signed, records.

Several may run at once. A claim is one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
LOCKED) on PostgreSQL (on SQLite the UPDATE itself takes the single writer lock): it stamps a
claim token and pushes `next_attempt_at` out by a lease, so no other dispatcher takes the same
attempt while it is in flight. The HTTP call happens outside any transaction; its result lands
only where the token still matches. A dispatcher that dies mid-flight leaves the delivery to be
claimed again when the lease ends (at-least-once: receivers dedupe on `webhook-id`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
import structlog
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app.config import Settings
from app.db import UTCDateTime, utcnow
from app.events.models import Event
from app.webhooks import schedule as sched
from app.webhooks.lifecycle import disable_endpoint
from app.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.webhooks.netguard import (
    AddressNotAllowed,
    AllowList,
    check_url,
    guarded_session,
    vet_literal,
)
from app.webhooks.secretbox import unseal
from app.webhooks.sequencer import BATCH, sequence_batch
from app.webhooks.signing import envelope_bytes, headers_for

log = structlog.get_logger("gigmarket.webhooks")
# Longest a finished attempt waits to be recorded with others (one transaction per batch).
RECORD_EVERY_SECONDS = 0.05


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    attempt: int
    token: str
    endpoint_id: int
    url: str
    secrets: list[str]
    msg_id: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    claimed: Claimed
    attempted_at: datetime
    latency_ms: int
    status_code: int | None = None
    retry_after: str | None = None
    excerpt: str | None = None
    error: str | None = None


class Dispatcher:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        service_key: bytes,
        *,
        schedule: list[float] | None = None,
        jitter: float | None = None,
        concurrency: int | None = None,
        poll_seconds: float | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.service_key = service_key
        self.schedule = list(
            settings.webhook_retry_schedule_seconds if schedule is None else schedule
        )
        self.jitter = settings.webhook_retry_jitter if jitter is None else jitter
        self.concurrency = concurrency or settings.dispatcher_concurrency
        self.poll_seconds = poll_seconds or settings.dispatcher_poll_seconds
        self.rng = rng or random.Random()
        self.timeout = settings.webhook_timeout_seconds
        self.lease = timedelta(seconds=self.timeout + settings.webhook_lease_margin_seconds)
        self.disable_after = timedelta(hours=settings.webhook_disable_after_hours)
        self.allow = AllowList.parse(settings.webhook_allow_list)
        self.client: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Dispatcher:
        self.client = guarded_session(self.allow, self.timeout, self.concurrency)
        return self

    async def __aexit__(self, *exc) -> None:
        if self.client is not None:
            await self.client.close()
            self.client = None

    # -- sequencing -------------------------------------------------------------------------
    async def sequence(self) -> int:
        total = 0
        while True:
            async with self.sessionmaker() as session:
                n = await sequence_batch(session, self.schedule[0])
                await session.commit()
            total += n
            if n < BATCH:
                return total

    # -- claiming ---------------------------------------------------------------------------
    async def claim(self, limit: int) -> list[Claimed]:
        now = utcnow()
        token = secrets.token_hex(16)
        D = WebhookDelivery
        due = (
            select(D.id)
            .where(D.status == "pending", D.next_attempt_at <= now)
            .order_by(D.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .scalar_subquery()
        )
        async with self.sessionmaker() as session:
            rows = (
                await session.execute(
                    update(D)
                    .where(D.id.in_(due))
                    .values(claim_token=token, attempt_count=D.attempt_count + 1,
                            next_attempt_at=now + self.lease)
                    .returning(D.id, D.attempt_count, D.endpoint_id, D.event_id)
                    .execution_options(synchronize_session=False)
                )
            ).all()
            if not rows:
                await session.commit()
                return []
            endpoints = {
                e.id: e
                for e in await session.execute(
                    select(WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.enabled,
                           WebhookEndpoint.secret_enc, WebhookEndpoint.previous_secret_enc,
                           WebhookEndpoint.previous_secret_expires_at)
                    .where(WebhookEndpoint.id.in_({r.endpoint_id for r in rows}))
                )
            }
            events = {
                e.id: e
                for e in await session.execute(
                    select(Event.id, Event.public_id, Event.type, Event.occurred_at, Event.data)
                    .where(Event.id.in_({r.event_id for r in rows}))
                )
            }
            claimed, cancelled = [], []
            for r in rows:
                endpoint = endpoints.get(r.endpoint_id)
                if endpoint is None or not endpoint.enabled:
                    cancelled.append(r.id)
                    continue
                event = events[r.event_id]
                claimed.append(
                    Claimed(
                        delivery_id=r.id, attempt=r.attempt_count, token=token,
                        endpoint_id=r.endpoint_id, url=endpoint.url,
                        secrets=self._secrets(endpoint, now), msg_id=event.public_id,
                        body=envelope_bytes(event.public_id, event.type, event.occurred_at,
                                            event.data),
                    )
                )
            if cancelled:
                await session.execute(
                    update(D).where(D.id.in_(cancelled))
                    .values(status="cancelled", claim_token=None)
                    .execution_options(synchronize_session=False)
                )
            await session.commit()
        return claimed

    def _secrets(self, endpoint, now: datetime) -> list[str]:
        out = [unseal(self.service_key, endpoint.secret_enc)]
        if endpoint.previous_secret_enc and (
            endpoint.previous_secret_expires_at is None or endpoint.previous_secret_expires_at > now
        ):
            out.append(unseal(self.service_key, endpoint.previous_secret_enc))
        return out

    # -- sending ----------------------------------------------------------------------------
    async def attempt(self, c: Claimed) -> Outcome:
        attempted_at = utcnow()
        started = time.perf_counter()

        def done(**kw) -> Outcome:
            latency = int((time.perf_counter() - started) * 1000)
            return Outcome(claimed=c, attempted_at=attempted_at, latency_ms=latency, **kw)

        try:
            host, _port = check_url(c.url, self.allow)
            vet_literal(host, self.allow)
            headers = headers_for(c.secrets, c.msg_id, int(time.time()), c.body)
            async with asyncio.timeout(self.timeout):
                status, retry_after, excerpt = await self.post(c.url, c.body, headers)
            return done(status_code=status, retry_after=retry_after, excerpt=excerpt)
        except ValueError as exc:
            return done(error=f"url not allowed: {exc}")
        except AddressNotAllowed as exc:
            return done(error=f"address not allowed: {exc}"[:200])
        except TimeoutError:
            return done(error=f"timed out after {self.timeout:g} s")
        except aiohttp.ClientError as exc:
            return done(error=f"{type(exc).__name__}: {exc}"[:200])

    async def post(self, url: str, body: bytes, headers: dict[str, str]
                   ) -> tuple[int, str | None, str]:
        """One POST: no redirects followed, at most EXCERPT_BYTES of the answer read (the rest
        is dropped with the connection). Returns (status, Retry-After, excerpt)."""
        assert self.client is not None, "use `async with Dispatcher(...)`"
        async with self.client.post(
            url, data=body, headers={**headers, "accept-encoding": "identity"},
            allow_redirects=False,
        ) as resp:
            chunks, size = [], 0
            while size < sched.EXCERPT_BYTES:
                chunk = await resp.content.read(sched.EXCERPT_BYTES - size)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            excerpt = b"".join(chunks).decode("utf-8", errors="replace")
            return resp.status, resp.headers.get("retry-after"), excerpt

    # -- recording --------------------------------------------------------------------------
    async def record(self, outcomes: list[Outcome]) -> None:
        for attempt in range(3):
            try:
                async with self.sessionmaker() as session:
                    await self._record(session, outcomes)
                    await session.commit()
                return
            except (DBAPIError, StaleDataError):
                if attempt == 2:
                    raise
                await asyncio.sleep(0.05 * (attempt + 1))

    async def _record(self, session: AsyncSession, outcomes: list[Outcome]) -> None:
        now = utcnow()
        table = WebhookDelivery.__table__
        params, succeeded, failed, gone = [], set(), set(), set()
        for o in outcomes:
            c = o.claimed
            retry_after = sched.parse_retry_after(o.retry_after, now)
            d = sched.decide(c.attempt, o.status_code, retry_after, self.schedule, self.jitter,
                             self.rng)
            params.append({
                "b_id": c.delivery_id, "b_token": c.token, "b_status": d.status,
                "b_next": now + timedelta(seconds=d.delay_seconds), "b_at": o.attempted_at,
                "b_code": o.status_code, "b_error": o.error,
            })
            (succeeded if d.status == "succeeded" else failed).add(c.endpoint_id)
            if d.disable_endpoint:
                gone.add(c.endpoint_id)
            log.info("webhook_attempt", delivery_id=c.delivery_id, endpoint_id=c.endpoint_id,
                     webhook_id=c.msg_id, attempt=c.attempt, status_code=o.status_code,
                     error=o.error, latency_ms=o.latency_ms, outcome=d.status)
        # Writes first: the row locks keep the deliveries from vanishing under us, and on
        # SQLite the first write takes the writer lock for the whole transaction.
        await session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.claim_token == bindparam("b_token"))
            .values(
                status=bindparam("b_status"),
                next_attempt_at=bindparam("b_next", type_=UTCDateTime()),
                claim_token=None,
                last_attempt_at=bindparam("b_at", type_=UTCDateTime()),
                last_status_code=bindparam("b_code"),
                last_error=bindparam("b_error"),
            ),
            params,
        )
        ids = [o.claimed.delivery_id for o in outcomes]
        existing = set(await session.scalars(
            select(WebhookDelivery.id).where(WebhookDelivery.id.in_(ids))
        ))
        attempts = [
            {"delivery_id": o.claimed.delivery_id, "attempt": o.claimed.attempt,
             "attempted_at": o.attempted_at, "status_code": o.status_code,
             "latency_ms": o.latency_ms, "error": o.error, "response_excerpt": o.excerpt}
            for o in outcomes if o.claimed.delivery_id in existing
        ]
        if attempts:
            await session.execute(WebhookAttempt.__table__.insert(), attempts)
        await self._endpoint_health(session, succeeded, failed - succeeded, gone, now)

    async def _endpoint_health(
        self, session: AsyncSession, succeeded: set[int], failed: set[int], gone: set[int],
        now: datetime,
    ) -> None:
        E = WebhookEndpoint
        if succeeded:
            await session.execute(
                update(E).where(E.id.in_(sorted(succeeded)), E.failing_since.is_not(None))
                .values(failing_since=None).execution_options(synchronize_session=False)
            )
        if failed:
            await session.execute(
                update(E).where(E.id.in_(sorted(failed)), E.failing_since.is_(None))
                .values(failing_since=now).execution_options(synchronize_session=False)
            )
            stale = set(await session.scalars(
                select(E.id).where(E.id.in_(sorted(failed)), E.enabled.is_(True),
                                   E.failing_since <= now - self.disable_after)
            ))
        else:
            stale = set()
        hours = self.settings.webhook_disable_after_hours
        for endpoint_id in sorted(gone | stale):
            reason = ("the receiver answered 410 Gone" if endpoint_id in gone
                      else f"every attempt failed for {hours:g} hours")
            await disable_endpoint(session, endpoint_id, reason, emit=True)

    # -- loops ------------------------------------------------------------------------------
    async def run_until_idle(self, max_rounds: int = 1000) -> int:
        """Sequences, then attempts everything due until nothing is; returns attempts made.
        For tests and `gigmarket dispatch --once`."""
        total = 0
        for _ in range(max_rounds):
            await self.sequence()
            claimed = await self.claim(self.concurrency)
            if not claimed:
                return total
            outcomes = await asyncio.gather(*(self.attempt(c) for c in claimed))
            await self.record(list(outcomes))
            total += len(outcomes)
        return total

    async def run(self, stop: asyncio.Event) -> None:
        """Runs until `stop` is set, keeping up to `concurrency` deliveries in flight.

        Claims come in batches (a quarter of the slots or more at once) and results are
        recorded in batches too: half the slots' worth, or whatever finished within
        RECORD_EVERY_SECONDS, in one transaction. A finished but unrecorded attempt is still
        under its lease, so a crash before recording only means it is sent again."""
        in_flight: set[asyncio.Task[Outcome]] = set()
        finished: list[Outcome] = []
        last_sequenced = 0.0
        last_recorded = time.monotonic()
        log.info("dispatcher_started", concurrency=self.concurrency)
        while not stop.is_set():
            claimed: list[Claimed] = []
            try:
                if time.monotonic() - last_sequenced >= min(self.poll_seconds, 0.25):
                    await self.sequence()
                    last_sequenced = time.monotonic()
                free = self.concurrency - len(in_flight)
                if free >= max(1, self.concurrency // 4) or not in_flight:
                    claimed = await self.claim(free)
            except Exception:
                log.exception("dispatcher_db_error")
                await _wait(stop, self.poll_seconds)
                continue
            for c in claimed:
                in_flight.add(asyncio.create_task(self.attempt(c)))
            if in_flight:
                done, in_flight = await asyncio.wait(
                    in_flight, timeout=min(self.poll_seconds, RECORD_EVERY_SECONDS),
                    return_when=asyncio.FIRST_COMPLETED,
                )
                finished.extend(t.result() for t in done)
            elif not claimed and not finished:
                await _wait(stop, self.poll_seconds)
            if finished and (
                len(finished) >= max(1, self.concurrency // 2) or not in_flight
                or time.monotonic() - last_recorded >= RECORD_EVERY_SECONDS
            ):
                await self._record_batch(finished)
                finished = []
                last_recorded = time.monotonic()
        if in_flight:
            done, _ = await asyncio.wait(in_flight, timeout=self.timeout + 1)
            finished.extend(t.result() for t in done)
        if finished:
            await self._record_batch(finished)
        log.info("dispatcher_stopped")

    async def _record_batch(self, outcomes: list[Outcome]) -> None:
        try:
            await self.record(outcomes)
        except Exception:
            # The claims' leases run out and the deliveries are attempted again.
            log.exception("dispatcher_record_failed", count=len(outcomes))


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
