"""Delivery end to end: a real receiver on loopback, signatures checked by the
`standardwebhooks` package, retries, Retry-After, 410, the 5-day rule, several dispatchers."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.auth.principal import Role
from app.db import make_engine, make_sessionmaker, utcnow
from app.events.models import Event
from app.events.service import record_event
from app.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.webhooks.runner import BackgroundDispatcher
from tests.conftest import auth, job_body

pytest_plugins = ["tests.webhooks_fixtures"]
FAST_SCHEDULE = [0, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]


async def _attempts(wh_app, endpoint_id: int) -> list[WebhookAttempt]:
    async with wh_app.state.sessionmaker() as session:
        return list(await session.scalars(
            select(WebhookAttempt).join(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id).order_by(WebhookAttempt.id)
        ))


async def _endpoint(wh_app, endpoint_id: int) -> WebhookEndpoint:
    async with wh_app.state.sessionmaker() as session:
        return await session.get(WebhookEndpoint, endpoint_id)


async def test_job_created_is_delivered_and_verifies_with_standardwebhooks(
    drain, wh_world, wh_client, receiver, subscribe, make_dispatcher
):
    _employer_id, key = await wh_world.employer()
    endpoint, path = await subscribe(key, ["job.created"])
    job = await wh_world.job(key)

    await drain(make_dispatcher(), lambda: len(receiver.at(path)) >= 1)
    [req] = receiver.at(path)
    payload = Webhook(endpoint["secret"]).verify(req.body, req.headers)
    assert payload["type"] == "job.created"
    assert payload["data"]["id"] == job["id"]
    assert req.headers["webhook-id"] == payload["id"]
    assert req.headers["content-type"] == "application/json"
    # The envelope is the exact body; no address or other personal data in the job event.
    assert set(json.loads(req.body)) == {"id", "type", "timestamp", "data"}
    assert "address" not in payload["data"]
    # A tampered body or another secret fails the same verifier.
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint["secret"]).verify(req.body + b" ", req.headers)
    other, _ = await subscribe(key, ["job.closed"])
    with pytest.raises(WebhookVerificationError):
        Webhook(other["secret"]).verify(req.body, req.headers)

    r = await wh_client.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries",
                            headers=auth(key))
    [delivery] = r.json()["items"]
    assert delivery["status"] == "succeeded" and delivery["event_id"] == payload["id"]
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] == 200 and attempt["response_excerpt"] == "ok"
    assert attempt["latency_ms"] >= 0


async def test_fails_twice_then_succeeds_three_attempts_same_webhook_id(
    drain, wh_app, wh_world, receiver, subscribe, make_dispatcher
):
    _eid, key = await wh_world.employer()
    endpoint, path = await subscribe(key, ["job.created"])
    receiver.script(path, 500, (502, {}, b"x" * 5000))
    await wh_world.job(key)

    await drain(make_dispatcher(), lambda: len(receiver.at(path)) >= 3)
    requests = receiver.at(path)
    assert len(requests) == 3
    assert len({r.headers["webhook-id"] for r in requests}) == 1
    for r in requests:
        Webhook(endpoint["secret"]).verify(r.body, r.headers)
    attempts = await _attempts(wh_app, endpoint["id"])
    assert [a.status_code for a in attempts] == [500, 502, 200]
    assert [a.attempt for a in attempts] == [1, 2, 3]
    assert len(attempts[1].response_excerpt.encode()) == 2048  # excerpt capped at 2 KB
    ep = await _endpoint(wh_app, endpoint["id"])
    assert ep.enabled and ep.failing_since is None  # the success cleared the failure run


async def test_redirects_are_not_followed_and_count_as_failures(
    drain, wh_app, wh_world, receiver, subscribe, make_dispatcher
):
    """A 3xx is the receiver's answer, not a new destination: following it would let an
    endpoint steer our POST (and its signature) to an address the guard never saw."""
    _eid, key = await wh_world.employer()
    endpoint, path = await subscribe(key, ["job.created"])
    elsewhere = receiver.path()
    receiver.script(path, (307, {"location": receiver.url(elsewhere)}, b""))
    await wh_world.job(key)

    await drain(make_dispatcher(), lambda: len(receiver.at(path)) >= 2)
    assert receiver.at(elsewhere) == []
    attempts = await _attempts(wh_app, endpoint["id"])
    assert [a.status_code for a in attempts] == [307, 200]


async def test_gives_up_after_the_schedule(drain, wh_app, wh_world, receiver, subscribe,
                                           make_dispatcher):
    _eid, key = await wh_world.employer()
    endpoint, path = await subscribe(key, ["job.created"])
    receiver.script(path, 500, 500, 500)
    await wh_world.job(key)
    await drain(make_dispatcher(schedule=[0, 0.02, 0.02]), lambda: len(receiver.at(path)) >= 3)
    await asyncio.sleep(0.1)
    async with wh_app.state.sessionmaker() as session:
        [d] = await session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint["id"]))
    assert d.status == "failed" and d.attempt_count == 3
    assert len(receiver.at(path)) == 3


async def test_410_gone_disables_the_endpoint(
    drain, wh_app, wh_world, wh_client, receiver, subscribe, make_dispatcher
):
    _eid, key = await wh_world.employer()
    endpoint, path = await subscribe(key, ["job.*"])
    receiver.script(path, 410)
    await wh_world.job(key)
    await drain(make_dispatcher(), lambda: len(receiver.at(path)) >= 1)
    ep = await _endpoint(wh_app, endpoint["id"])
    assert not ep.enabled and "410" in ep.disabled_reason
    await wh_world.job(key)
    await drain(make_dispatcher(), lambda: True)
    await asyncio.sleep(0.1)
    assert len(receiver.at(path)) == 1  # nothing more goes to a disabled endpoint
    r = await wh_client.get("/v1/events?type=endpoint.disabled&limit=100", headers=auth(key))
    assert [e["data"]["id"] for e in r.json()["items"]] == [endpoint["id"]]


async def test_retry_after_is_honoured(
    drain, wh_app, wh_world, receiver, subscribe, make_dispatcher
):
    _eid, key = await wh_world.employer()
    _endpoint, path = await subscribe(key, ["job.created"])
    receiver.script(path, (503, {"Retry-After": "1"}, b"busy"))
    await wh_world.job(key)
    await drain(make_dispatcher(), lambda: len(receiver.at(path)) >= 2)
    first, second = receiver.at(path)
    assert second.at - first.at >= 0.95  # the schedule alone would retry after 0.05 s
    assert first.headers["webhook-id"] == second.headers["webhook-id"]


async def test_endpoint_failing_for_five_days_is_disabled_with_an_event(
    drain, wh_app, wh_world, wh_client, receiver, subscribe, make_dispatcher
):
    _eid, key = await wh_world.employer()
    endpoint, path = await subscribe(key, ["job.created"])
    receiver.script(path, 500)
    async with wh_app.state.sessionmaker() as session:
        await session.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint["id"])
            .values(failing_since=utcnow() - timedelta(days=4, hours=23))
        )
        await session.commit()
    await wh_world.job(key)
    await drain(make_dispatcher(), lambda: len(receiver.at(path)) >= 1)
    assert (await _endpoint(wh_app, endpoint["id"])).enabled  # 4 days 23 h: not yet

    async with wh_app.state.sessionmaker() as session:
        await session.execute(
            update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint["id"])
            .values(failing_since=utcnow() - timedelta(days=5, minutes=1))
        )
        await session.commit()
    receiver.script(path, 500)
    # A retry may already have gone out (and failed at 4 days 23 h) since the first drain:
    # wait for an attempt made after the endpoint's failures reached 5 days.
    seen = len(receiver.at(path))
    await drain(make_dispatcher(), lambda: len(receiver.at(path)) > seen)
    ep = await _endpoint(wh_app, endpoint["id"])
    assert not ep.enabled and "120 hours" in ep.disabled_reason
    await drain(make_dispatcher(), lambda: True)  # sequences the new event
    r = await wh_client.get("/v1/events?type=endpoint.disabled&limit=100", headers=auth(key))
    assert [e["data"]["id"] for e in r.json()["items"]] == [endpoint["id"]]


async def test_event_written_while_no_dispatcher_runs_is_delivered_when_one_starts(
    wh_app, wh_world, receiver, subscribe
):
    _eid, key = await wh_world.employer()
    endpoint, path = await subscribe(key, ["job.created"])
    job = await wh_world.job(key)
    await asyncio.sleep(0.2)
    assert receiver.at(path) == []

    background = BackgroundDispatcher(
        wh_app.state.sessionmaker, wh_app.state.settings, wh_app.state.secret_key,
        schedule=FAST_SCHEDULE, jitter=0, poll_seconds=0.02,
    ).start()
    try:
        for _ in range(250):
            if receiver.at(path):
                break
            await asyncio.sleep(0.02)
    finally:
        await background.stop()
    [req] = receiver.at(path)
    assert Webhook(endpoint["secret"]).verify(req.body, req.headers)["data"]["id"] == job["id"]


async def test_two_dispatchers_never_deliver_the_same_attempt_twice(
    wh_app, wh_world, receiver, subscribe, make_dispatcher, is_postgres
):
    employer_id, key = await wh_world.employer()
    endpoint, path = await subscribe(key, ["job.updated"])
    n = 120
    async with wh_app.state.sessionmaker() as session:
        for i in range(n):
            record_event(session, "job.updated", resource_type="load", resource_id=i,
                         data={"i": i}, employer_id=employer_id)
        await session.commit()

    # Two dispatchers with their own engines (as two processes would have).
    engines = [make_engine(wh_app.state.settings.database_url) for _ in range(2)]
    dispatchers = [
        make_dispatcher(sessionmaker=make_sessionmaker(e), concurrency=16) for e in engines
    ]
    stop = asyncio.Event()

    async def run(d):
        async with d:
            await d.run(stop)

    tasks = [asyncio.create_task(run(d)) for d in dispatchers]
    try:
        for _ in range(1500):
            if len(receiver.at(path)) >= n:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        for e in engines:
            await e.dispose()
    ids = [r.headers["webhook-id"] for r in receiver.at(path)]
    assert len(ids) == n and len(set(ids)) == n
    attempts = await _attempts(wh_app, endpoint["id"])
    assert len(attempts) == n and {a.attempt for a in attempts} == {1}, [
        (a.delivery_id, a.attempt, a.status_code, a.error) for a in attempts if a.error]


async def test_rolled_back_job_never_emits_an_event(wh_app, wh_world, make_dispatcher,
                                                    is_postgres):
    from app.auth.principal import Principal
    from app.jobs.schemas import JobCreate
    from app.jobs.service import create_job

    employer_id, _key = await wh_world.employer()
    principal = Principal(key_id=0, role=Role.employer, subject_id=employer_id,
                          scopes=frozenset({"jobs:write"}))
    async with wh_app.state.sessionmaker() as session:
        job = await create_job(session, principal, JobCreate(**job_body()),
                               wh_app.state.settings)
        await session.flush()
        inside = await session.scalar(
            select(func.count()).select_from(Event)
            .where(Event.resource_type == "job", Event.resource_id == job.id))
        assert inside == 1  # the outbox row exists inside the transaction
        if is_postgres:
            # A dispatcher running meanwhile does not see the uncommitted event.
            async with make_dispatcher() as d:
                await d.run_until_idle()
        await session.rollback()
    async with make_dispatcher() as d:
        await d.run_until_idle()
    async with wh_app.state.sessionmaker() as session:
        after = await session.scalar(
            select(func.count()).select_from(Event)
            .where(Event.resource_type == "job", Event.resource_id == job.id,
                   Event.employer_id == employer_id))
    assert after == 0
