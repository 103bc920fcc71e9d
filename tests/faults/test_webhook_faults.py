"""Webhook delivery survives its faults: a dispatcher process SIGKILLed mid-delivery, and a
receiver that goes away for a while. A real receiver on loopback counts webhook-ids."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

from sqlalchemy import func, select

from app.events.models import Event
from app.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.conftest import auth, make_credit_code
from tests.faults.support import FAST_WEBHOOKS, eventually, kill, on_postgres, service_env
from tests.webhooks_fixtures import Receiver, serve_receiver, stop_receiver

pytestmark = on_postgres


async def _subscribe(setup, url: str) -> tuple[str, int]:
    admin = await setup.admin()
    r = await setup.client.post("/v1/webhook-endpoints", headers=auth(admin),
                                json={"url": url, "event_types": ["employer.created"]})
    assert r.status_code == 201, r.text
    return admin, r.json()["id"]


async def _register_employers(setup, admin: str, n: int) -> None:
    """n employer.created events through the API (each written to the outbox with its row)."""
    for i in range(n):
        r = await setup.client.post("/v1/employers", headers=auth(admin), json={
            "name": f"故障投递测试公司{i:03d}", "credit_code": make_credit_code()})
        assert r.status_code == 201, r.text


async def _deliveries(setup, endpoint_id: int) -> list:
    async with setup.app.state.sessionmaker() as session:
        return (await session.execute(
            select(WebhookDelivery.id, WebhookDelivery.status, WebhookDelivery.attempt_count,
                   WebhookDelivery.claim_token, Event.public_id)
            .join(Event, Event.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
        )).all()


async def _all_succeeded(setup, endpoint_id: int, n: int) -> bool:
    rows = await _deliveries(setup, endpoint_id)
    return len(rows) == n and all(r.status == "succeeded" for r in rows)


async def test_a_killed_dispatcher_loses_no_event(setup, processes):
    rec = Receiver(delay=0.3)  # slow answers: deliveries are in flight when the kill comes
    server = serve_receiver(rec)
    path = rec.path()
    try:
        admin, endpoint_id = await _subscribe(setup, rec.url(path))
        n = 120
        await _register_employers(setup, admin, n)
        env = service_env(setup.url, **FAST_WEBHOOKS, dispatcher_concurrency="8")

        first = processes.dispatcher(env, "dispatch-1")
        await eventually(lambda: _received_at_least(rec, path, 24), 60, "first deliveries")
        kill(first)
        # Non-vacuous: the kill left claimed deliveries behind, neither recorded nor released.
        orphaned = [r for r in await _deliveries(setup, endpoint_id)
                    if r.status == "pending" and r.claim_token is not None]
        assert orphaned, "the dispatcher was killed with nothing in flight"
        delivered_before_kill = {r.headers["webhook-id"] for r in rec.at(path)}

        processes.dispatcher(env, "dispatch-2")
        await eventually(lambda: _all_succeeded(setup, endpoint_id, n), 90,
                         "every delivery succeeded after the restart")
    finally:
        stop_receiver(server)

    rows = await _deliveries(setup, endpoint_id)
    expected = {r.public_id for r in rows}
    received = [r.headers["webhook-id"] for r in rec.at(path)]
    assert len(expected) == n and expected <= set(received)  # at least once, every one
    # The orphans waited out their lease and were claimed again by the second dispatcher.
    attempts = {r.id: r.attempt_count for r in rows}
    assert all(attempts[o.id] >= 2 for o in orphaned)
    # Anything delivered twice was in flight at the kill (the receiver dedupes on webhook-id).
    twice = {i for i in received if received.count(i) > 1}
    assert twice <= {o.public_id for o in orphaned} | delivered_before_kill


async def _received_at_least(rec: Receiver, path: str, n: int) -> bool:
    return len(rec.at(path)) >= n


async def test_deliveries_complete_after_the_receiver_returns(setup, processes):
    rec = Receiver()
    server = serve_receiver(rec)
    path = rec.path()
    admin, endpoint_id = await _subscribe(setup, rec.url(path))
    env = service_env(setup.url, **FAST_WEBHOOKS)
    processes.dispatcher(env)
    await _register_employers(setup, admin, 5)
    await eventually(lambda: _all_succeeded(setup, endpoint_id, 5), 30, "delivered while up")

    stop_receiver(server)  # connection refused from now on, kept-alive connections cut
    await _register_employers(setup, admin, 25)

    async def failing() -> bool:  # every new delivery has failed at least twice
        rows = await _deliveries(setup, endpoint_id)
        return sum(r.attempt_count >= 2 and r.status == "pending" for r in rows) == 25

    await eventually(failing, 30, "retries against the stopped receiver")
    async with setup.app.state.sessionmaker() as session:
        endpoint = await session.get(WebhookEndpoint, endpoint_id)
        assert endpoint.failing_since is not None and endpoint.enabled
    await asyncio.sleep(1.5)  # down for a while longer, retrying with backoff
    server = serve_receiver(rec, rec.port)
    try:
        await eventually(lambda: _all_succeeded(setup, endpoint_id, 30), 30,
                         "every delivery succeeded after the receiver returned")
    finally:
        stop_receiver(server)

    rows = await _deliveries(setup, endpoint_id)
    assert {r.public_id for r in rows} == {r.headers["webhook-id"] for r in rec.at(path)}
    async with setup.app.state.sessionmaker() as session:
        endpoint = await session.get(WebhookEndpoint, endpoint_id)
        assert endpoint.failing_since is None and endpoint.enabled  # healthy again
        # Backoff: a delivery's failed attempts follow the schedule (0.5 s, 0.5 s, 1 s, …),
        # not a hot loop.
        times = (await session.scalars(
            select(WebhookAttempt.attempted_at)
            .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
            .where(WebhookDelivery.id == max(r.id for r in rows))
            .order_by(WebhookAttempt.attempt)
        )).all()
        failures = await session.scalar(
            select(func.count()).select_from(WebhookAttempt)
            .where(WebhookAttempt.status_code.is_(None)))
    assert len(times) >= 3 and failures >= 50
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap >= timedelta(seconds=0.45) for gap in gaps), gaps
