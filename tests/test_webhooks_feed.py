"""The pollable feed: commit order, visibility by principal, cursors; redelivery."""

from __future__ import annotations

import pytest

from app.auth.principal import Role
from app.events.service import record_event
from tests.conftest import auth

pytest_plugins = ["tests.webhooks_fixtures"]


async def poll(client, key: str, after: str | None = None, type_: str | None = None):
    """Every event visible to `key` after the cursor; returns (events, next cursor)."""
    items = []
    while True:
        params = {"limit": 100}
        if after:
            params["after"] = after
        if type_:
            params["type"] = type_
        r = await client.get("/v1/events", params=params, headers=auth(key))
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        after = r.json()["next_cursor"]
        if not r.json()["has_more"]:
            return items, after


async def test_feed_shows_each_principal_only_what_it_may_see(
    drain, wh_world, wh_client, make_dispatcher
):
    _a_id, a_key = await wh_world.employer(verified=False)
    _b_id, b_key = await wh_world.employer()
    partner = await wh_world.key(Role.partner)
    _start, a_cursor = await poll(wh_client, a_key)
    _start, b_cursor = await poll(wh_client, b_key)
    _start, p_cursor = await poll(wh_client, partner)

    pending = await wh_world.job(a_key)  # unverified employer: pending_review, not public
    assert pending["status"] == "pending_review"
    await drain(make_dispatcher(), lambda: True)

    a_events, a_cursor = await poll(wh_client, a_key, a_cursor, "job.*")
    assert [(e["type"], e["data"]["id"]) for e in a_events] == [("job.created", pending["id"])]
    assert a_events[0]["resource_type"] == "job"
    b_events, b_cursor = await poll(wh_client, b_key, b_cursor, "job.*")
    p_events, p_cursor = await poll(wh_client, partner, p_cursor, "job.*")
    assert pending["id"] not in [e["data"]["id"] for e in b_events + p_events]
    r = await wh_client.get(f"/v1/events/{a_events[0]['id']}", headers=auth(b_key))
    assert r.status_code == 404
    r = await wh_client.get(f"/v1/events/{a_events[0]['id']}", headers=auth(a_key))
    assert r.status_code == 200 and r.json()["type"] == "job.created"

    # A public posting is visible to everyone with events:read.
    _c_id, c_key = await wh_world.employer()
    public = await wh_world.job(c_key)
    await drain(make_dispatcher(), lambda: True)
    p_events, _ = await poll(wh_client, partner, p_cursor, "job.created")
    assert public["id"] in [e["data"]["id"] for e in p_events]
    # A worker key lacks events:read.
    worker = await wh_world.key(Role.worker)
    assert (await wh_client.get("/v1/events", headers=auth(worker))).status_code == 403


async def test_cursor_returns_only_newer_events_and_rejects_garbage(
    drain, wh_world, wh_client, make_dispatcher
):
    _eid, key = await wh_world.employer()
    await drain(make_dispatcher(), lambda: True)
    _events, cursor = await poll(wh_client, key)
    again, same = await poll(wh_client, key, cursor)
    assert again == [] and same == cursor

    job = await wh_world.job(key)
    r = await wh_client.post(f"/v1/jobs/{job['id']}/close", headers=auth(key))
    assert r.status_code == 200
    await drain(make_dispatcher(), lambda: True)
    events, cursor2 = await poll(wh_client, key, cursor, "job.*")
    assert [e["type"] for e in events] == ["job.created", "job.closed"]
    assert (await poll(wh_client, key, cursor2))[0] == []
    r = await wh_client.get("/v1/events?after=not-a-cursor", headers=auth(key))
    assert r.status_code == 422


async def test_feed_is_in_commit_order_not_id_order(drain, wh_app, wh_world, wh_client,
                                                    make_dispatcher, is_postgres):
    """An event with a smaller id that commits later still shows up after a poller has
    already seen a larger id (ids from a sequence are not commit order)."""
    if not is_postgres:
        pytest.skip("SQLite has one writer: transactions cannot interleave")
    employer_id, key = await wh_world.employer()
    await drain(make_dispatcher(), lambda: True)
    _events, cursor = await poll(wh_client, key)

    async with wh_app.state.sessionmaker() as slow, wh_app.state.sessionmaker() as fast:
        early = record_event(slow, "job.updated", resource_type="t", resource_id=1,
                             data={"n": "early"}, employer_id=employer_id)
        await slow.flush()
        late = record_event(fast, "job.updated", resource_type="t", resource_id=2,
                            data={"n": "late"}, employer_id=employer_id)
        await fast.flush()
        assert early.id < late.id
        await fast.commit()
        await drain(make_dispatcher(), lambda: True)
        seen, cursor = await poll(wh_client, key, cursor, "job.updated")
        assert [e["data"]["n"] for e in seen] == ["late"]
        await slow.commit()
    await drain(make_dispatcher(), lambda: True)
    seen, _ = await poll(wh_client, key, cursor, "job.updated")
    assert [e["data"]["n"] for e in seen] == ["early"]


async def test_redeliver_sends_the_same_event_again(drain, wh_world, wh_client, receiver, subscribe,
                                                    make_dispatcher):
    _eid, key = await wh_world.employer()
    endpoint, path = await subscribe(key, ["job.created"])
    await wh_world.job(key)
    await drain(make_dispatcher(), lambda: len(receiver.at(path)) >= 1)
    event_id = receiver.at(path)[0].headers["webhook-id"]

    r = await wh_client.post(f"/v1/events/{event_id}/redeliver", headers=auth(key))
    assert r.status_code == 202, r.text
    [d] = r.json()["deliveries"]
    assert d["endpoint_id"] == endpoint["id"] and d["status"] == "pending"
    await drain(make_dispatcher(), lambda: len(receiver.at(path)) >= 2)
    assert [q.headers["webhook-id"] for q in receiver.at(path)] == [event_id, event_id]

    _other, other_key = await wh_world.employer()
    r = await wh_client.post(f"/v1/events/{event_id}/redeliver", headers=auth(other_key))
    assert r.status_code in (404, 422)  # public event, but no endpoint of theirs subscribes
    r = await wh_client.post("/v1/events/evt_nope/redeliver", headers=auth(key))
    assert r.status_code == 404


async def test_redeliver_sends_now_when_a_delivery_waits_for_its_retry(
    drain, wh_app, wh_world, wh_client, receiver, subscribe, make_dispatcher
):
    from datetime import timedelta

    from sqlalchemy import select

    from app.db import utcnow
    from app.webhooks.models import WebhookDelivery

    _eid, key = await wh_world.employer()
    endpoint, path = await subscribe(key, ["job.created"])
    receiver.script(path, 500)  # the first attempt fails: the next one waits an hour
    await wh_world.job(key)
    await drain(make_dispatcher(schedule=[0, 3600]), lambda: len(receiver.at(path)) >= 1)
    event_id = receiver.at(path)[0].headers["webhook-id"]
    async with wh_app.state.sessionmaker() as session:
        waiting = await session.scalar(select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint["id"]))
        assert waiting.status == "pending" and waiting.attempt_count == 1
        assert waiting.next_attempt_at > utcnow() + timedelta(minutes=30)

    r = await wh_client.post(f"/v1/events/{event_id}/redeliver", headers=auth(key))
    assert r.status_code == 202, r.text
    await drain(make_dispatcher(schedule=[0, 3600]), lambda: len(receiver.at(path)) >= 2,
                limit=5)
    async with wh_app.state.sessionmaker() as session:
        done = await session.scalar(select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint["id"]))
        assert done.status == "succeeded" and done.attempt_count == 1
