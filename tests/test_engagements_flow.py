"""The engagement lifecycle through the HTTP API: every legal transition, every illegal one."""

from datetime import timedelta

import pytest

from tests.conftest import auth
from tests.engagements_fixtures import (  # noqa: F401 - clock_fixture is the clock
    clock_fixture,
    events_for,
    hire,
    offer_and_accept,
    shanghai,
)

START = shanghai(1, 9)


async def test_offer_to_paid_walks_the_happy_path_and_records_events(client, world, app, clock):
    h = await hire(world, start=START)
    assert h.engagement["status"] == "hired"
    assert h.engagement["wages"]["terms"] == {"amount": 3000, "unit": "hour", "settlement": "daily"}
    w, e = auth(h.worker_key), auth(h.employer_key)

    clock.set(START + timedelta(minutes=3))
    r = await client.post(f"{h.url}/check-in", json={}, headers=w)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "checked_in" and r.headers["etag"]

    clock.set(START + timedelta(hours=8, minutes=3))
    r = await client.post(f"{h.url}/check-out", json={}, headers=w)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "checked_out"
    assert body["hours"] == {"status": "pending", "worked_minutes": 480, "reported_pieces": None,
                             "confirmed_minutes": None, "confirmed_pieces": None}
    assert body["wages"]["due_fen"] == 8 * 3000
    assert body["wages"]["due_date"] == START.date().isoformat()

    r = await client.post(f"{h.url}/hours", json={"decision": "confirm"}, headers=e)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "completed" and r.json()["hours"]["confirmed_minutes"] == 480

    r = await client.post(f"{h.url}/payments", json={"amount": 24000, "method": "wechat",
                                                     "reference": "wx-001"}, headers=e)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "paid"
    assert r.json()["wages"]["payment_status"] == "paid"

    assert await events_for(app, "engagement", h.id) == [
        "engagement.hired", "engagement.checked_in", "engagement.checked_out",
        "engagement.completed", "payment.recorded", "engagement.paid",
    ]
    offer_id = await _offer_id(client, h)
    assert await events_for(app, "offer", offer_id) == ["offer.created", "offer.accepted"]


async def _offer_id(client, h) -> int:
    r = await client.get("/v1/offers", params={"job_id": h.job["id"]}, headers=auth(h.worker_key))
    return r.json()["items"][0]["id"]


# What each action sends; who sends it is decided per action.
ACTIONS = {
    "check_in": ("check-in", {}, "worker"),
    "check_out": ("check-out", {}, "worker"),
    "confirm": ("hours", {"decision": "confirm"}, "employer"),
    "dispute": ("hours", {"decision": "dispute", "minutes": 60, "reason": "left early"},
                "employer"),
    "cancel_worker": ("cancel", {"reason": "sick"}, "worker"),
    "cancel_employer": ("cancel", {"reason": "rain"}, "employer"),
    "no_show": ("no-show", None, "employer"),
    "payment": ("payments", {"amount": 100, "method": "cash"}, "employer"),
    "rate": ("ratings", {"score": 5}, "worker"),
}
# Which actions each state allows (the rest must answer 409 with the current state).
LEGAL = {
    "hired": {"check_in", "cancel_worker", "cancel_employer", "no_show"},
    "checked_in": {"check_out"},
    "checked_out": {"confirm", "dispute", "payment"},
    "completed": {"payment", "rate"},
    "paid": {"rate"},
    "cancelled_by_worker": set(),
    "cancelled_by_employer": set(),
    "no_show": set(),
}


async def _act(client, h, action: str):
    path, body, side = ACTIONS[action]
    key = h.worker_key if side == "worker" else h.employer_key
    return await client.post(f"{h.url}/{path}", json=body, headers=auth(key))


async def _bring_to(client, h, state: str, clock) -> None:
    """Moves a fresh hire into `state` through the API."""
    steps = {
        "hired": [],
        "checked_in": ["check_in"],
        "checked_out": ["check_in", "check_out"],
        "completed": ["check_in", "check_out", "confirm"],
        "paid": ["check_in", "check_out", "confirm", "pay_all"],
        "cancelled_by_worker": ["cancel_worker"],
        "cancelled_by_employer": ["cancel_employer"],
        "no_show": ["no_show"],
    }[state]
    for step in steps:
        clock.set(START + (timedelta(hours=2) if step in ("check_out", "no_show", "confirm",
                                                          "pay_all") else timedelta(minutes=1)))
        if step == "pay_all":
            r = await client.get(h.url, headers=auth(h.employer_key))
            owed = r.json()["wages"]["outstanding_fen"]
            r = await client.post(f"{h.url}/payments", json={"amount": owed, "method": "cash"},
                                  headers=auth(h.employer_key))
        else:
            r = await _act(client, h, step)
        assert r.status_code in (200, 201), (state, step, r.text)
    clock.now = None
    r = await client.get(h.url, headers=auth(h.worker_key))
    assert r.json()["status"] == state


@pytest.mark.parametrize("state", list(LEGAL))
async def test_every_illegal_transition_is_409_with_the_current_state(client, world, clock, state):
    h = await hire(world, start=START)
    await _bring_to(client, h, state, clock)
    # Inside the job's hours and past the no-show grace period, so only the state decides.
    clock.set(START + timedelta(hours=2))
    for action in ACTIONS:
        if action in LEGAL[state]:
            continue
        r = await _act(client, h, action)
        assert r.status_code == 409, (state, action, r.text)
        problem = r.json()
        assert problem["current_status"] == state, (state, action, problem)
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.get(h.url, headers=auth(h.employer_key))
    assert r.json()["status"] == state


@pytest.mark.parametrize("state", ["hired", "checked_in", "checked_out", "completed", "paid"])
async def test_every_legal_transition_is_accepted(client, world, clock, state):
    """From each state, every action LEGAL lists succeeds on a fresh engagement."""
    for action in sorted(LEGAL[state]):
        h = await hire(world, start=START)
        await _bring_to(client, h, state, clock)
        clock.set(START + timedelta(hours=2))
        r = await _act(client, h, action)
        assert r.status_code in (200, 201), (state, action, r.text)


async def test_cancellations_and_no_show_reach_their_states_with_events(client, world, app, clock):
    for action, state in (("cancel_worker", "cancelled_by_worker"),
                          ("cancel_employer", "cancelled_by_employer"), ("no_show", "no_show")):
        h = await hire(world, start=START)
        clock.set(START + timedelta(hours=2))
        r = await _act(client, h, action)
        assert r.status_code == 200 and r.json()["status"] == state
        expected = "engagement.no_show" if state == "no_show" else "engagement.cancelled"
        assert (await events_for(app, "engagement", h.id))[-1] == expected


async def test_no_show_waits_for_the_grace_period(client, world, clock):
    h = await hire(world, start=START)
    clock.set(START + timedelta(minutes=30))
    r = await _act(client, h, "no_show")
    assert r.status_code == 409 and r.json()["grace_until"]
    assert r.json()["current_status"] == "hired"


async def test_the_other_side_cannot_drive_your_transitions(client, world, clock):
    h = await hire(world, start=START)
    clock.set(START + timedelta(minutes=1))
    r = await client.post(f"{h.url}/check-in", json={}, headers=auth(h.employer_key))
    assert r.status_code == 403
    r = await client.post(f"{h.url}/no-show", headers=auth(h.worker_key))
    assert r.status_code == 403


async def test_check_in_window_and_times(client, world, clock):
    h = await hire(world, start=START)
    w = auth(h.worker_key)
    clock.set(START - timedelta(hours=5))
    r = await client.post(f"{h.url}/check-in", json={}, headers=w)
    assert r.status_code == 409 and r.json()["opens_at"]
    clock.set(START + timedelta(minutes=10))
    future = (START + timedelta(hours=1)).isoformat()
    r = await client.post(f"{h.url}/check-in", json={"at": future}, headers=w)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/at"
    r = await client.post(f"{h.url}/check-in", json={"at": "2026-01-01T08:00:00"}, headers=w)
    assert r.status_code == 422  # no offset
    early = (START + timedelta(minutes=2)).isoformat()
    r = await client.post(f"{h.url}/check-in", json={"at": early}, headers=w)
    assert r.status_code == 200
    clock.set(START + timedelta(hours=3))
    before = (START + timedelta(minutes=1)).isoformat()
    r = await client.post(f"{h.url}/check-out", json={"at": before}, headers=w)
    assert r.status_code == 422


async def test_cancelling_a_job_cancels_its_hires_that_have_not_started(client, world, app, clock):
    first = await hire(world, start=START, headcount=3)
    employer = (first.employer_id, first.employer_key)
    worker, worker_key = await world.worker()
    second = await offer_and_accept(client, first.employer_key, first.job["id"], worker["id"],
                                    worker_key)
    clock.set(START - timedelta(hours=2))  # inside the notice period: a late cancellation
    r = await client.post(f"/v1/jobs/{first.job['id']}/cancel", headers=auth(first.employer_key))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "cancelled"
    for engagement_id in (first.id, second["id"]):
        r = await client.get(f"/v1/engagements/{engagement_id}", headers=auth(first.employer_key))
        assert r.json()["status"] == "cancelled_by_employer", r.text
        assert await events_for(app, "engagement", engagement_id) == [
            "engagement.hired", "engagement.cancelled"]
    # Another employer's job stays untouched and unseen.
    other = await hire(world, start=START + timedelta(days=1))
    r = await client.post(f"/v1/jobs/{other.job['id']}/cancel", headers=auth(employer[1]))
    assert r.status_code == 404
    r = await client.get(other.url, headers=auth(other.employer_key))
    assert r.json()["status"] == "hired"


async def test_a_job_with_work_under_way_cannot_be_cancelled(client, world, clock):
    h = await hire(world, start=START)
    clock.set(START + timedelta(minutes=1))
    r = await client.post(f"{h.url}/check-in", json={}, headers=auth(h.worker_key))
    assert r.status_code == 200, r.text
    r = await client.post(f"/v1/jobs/{h.job['id']}/cancel", headers=auth(h.employer_key))
    assert r.status_code == 409, r.text
    assert r.json()["type"] == "/problems/job-work-started"
    assert r.json()["engagement_ids"] == [h.id]
    r = await client.get(h.url, headers=auth(h.employer_key))
    assert r.json()["status"] == "checked_in"
    r = await client.get(f"/v1/jobs/{h.job['id']}", headers=auth(h.employer_key))
    assert r.json()["status"] != "cancelled"
