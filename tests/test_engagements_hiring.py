"""Applications, offers, filling and reopening jobs, and who sees what (phones included)."""

from datetime import datetime, timedelta

from app.auth.principal import Role
from app.engagements.sweeps import engagement_housekeeping
from tests.conftest import auth
from tests.engagements_fixtures import (  # noqa: F401 - clock_fixture is the clock
    clock_fixture,
    events_for,
    hire,
    job_at,
    offer_and_accept,
    shanghai,
)

START = shanghai(2, 9)


async def _job(world, key, **overrides) -> dict:
    return await world.job(key, **job_at(START, START + timedelta(hours=8), **overrides))


async def test_apply_decline_withdraw_and_accept(client, world, app):
    _eid, employer_key = await world.employer()
    job = await _job(world, employer_key)
    worker, worker_key = await world.worker()
    w, e = auth(worker_key), auth(employer_key)

    r = await client.post(f"/v1/jobs/{job['id']}/applications", json={"message": "有五年经验"},
                          headers=w)
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["status"] == "pending" and first["worker"]["id"] == worker["id"]
    assert r.headers["location"] == f"/v1/applications/{first['id']}"
    r = await client.post(f"/v1/jobs/{job['id']}/applications", json={}, headers=w)
    assert r.status_code == 409 and r.json()["existing_id"] == first["id"]
    r = await client.post(f"/v1/jobs/{job['id']}/applications",
                          json={"worker_id": worker["id"] + 1000}, headers=w)
    assert r.status_code == 422

    r = await client.post(f"/v1/applications/{first['id']}/accept", json={}, headers=w)
    assert r.status_code == 403  # the worker cannot accept its own application
    r = await client.post(f"/v1/applications/{first['id']}/decline", json={"note": "人已招满"},
                          headers=e)
    assert r.status_code == 200 and r.json()["status"] == "declined"
    r = await client.post(f"/v1/applications/{first['id']}/decline", json={}, headers=e)
    assert r.status_code == 409 and r.json()["current_status"] == "declined"

    r = await client.post(f"/v1/jobs/{job['id']}/applications", json={}, headers=w)
    second = r.json()
    r = await client.post(f"/v1/applications/{second['id']}/withdraw", headers=w)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"

    r = await client.post(f"/v1/jobs/{job['id']}/applications", json={}, headers=w)
    third = r.json()
    r = await client.get(f"/v1/jobs/{job['id']}/applications", params={"status": "pending"},
                         headers=e)
    assert [a["id"] for a in r.json()["items"]] == [third["id"]]
    r = await client.post(f"/v1/applications/{third['id']}/accept",
                          json={"agreement_type": "part_time_contract"}, headers=e)
    assert r.status_code == 201, r.text
    engagement = r.json()
    assert engagement["status"] == "hired" and engagement["source"] == "application"
    assert engagement["agreement_type"] == "part_time_contract"
    r = await client.get(f"/v1/applications/{third['id']}", headers=w)
    assert r.json()["status"] == "accepted" and r.json()["engagement_id"] == engagement["id"]
    r = await client.post(f"/v1/jobs/{job['id']}/applications", json={}, headers=w)
    assert r.status_code == 409  # already hired on this job
    assert await events_for(app, "application", first["id"]) == [
        "application.created", "application.declined"]
    assert await events_for(app, "application", third["id"]) == [
        "application.created", "application.accepted"]


async def test_offers_expire_sooner_for_urgent_jobs(client, world, app, clock):
    _eid, employer_key = await world.employer()
    worker, worker_key = await world.worker()
    other, other_key = await world.worker()
    normal = await _job(world, employer_key)
    urgent = await _job(world, employer_key, urgent=True, title="急招今日搬家工")
    now = shanghai(0, 0) + timedelta(hours=12)
    clock.set(now)
    r = await client.post(f"/v1/jobs/{normal['id']}/offers", json={"worker_id": worker["id"]},
                          headers=auth(employer_key))
    normal_offer = r.json()
    r = await client.post(f"/v1/jobs/{urgent['id']}/offers", json={"worker_id": other["id"]},
                          headers=auth(employer_key))
    urgent_offer = r.json()
    lifetime = {o["id"]: datetime.fromisoformat(o["expires_at"]) - now
                for o in (normal_offer, urgent_offer)}
    assert lifetime[urgent_offer["id"]] == timedelta(minutes=60)
    assert lifetime[normal_offer["id"]] == timedelta(hours=24)

    clock.set(now + timedelta(minutes=61))
    r = await client.post(f"/v1/offers/{urgent_offer['id']}/accept", headers=auth(other_key))
    assert r.status_code == 409 and r.json()["current_status"] == "expired"
    r = await client.get(f"/v1/offers/{urgent_offer['id']}", headers=auth(other_key))
    assert r.json()["status"] == "expired"
    swept = await engagement_housekeeping(app.state.sessionmaker, app.state.settings,
                                          now=now + timedelta(minutes=61))
    assert swept["offers_expired"] >= 1
    assert await events_for(app, "offer", urgent_offer["id"]) == ["offer.created",
                                                                  "offer.expired"]
    # The normal offer is still good; the worker may also decline instead.
    r = await client.post(f"/v1/offers/{normal_offer['id']}/decline", headers=auth(worker_key))
    assert r.status_code == 200 and r.json()["status"] == "declined"
    r = await client.post(f"/v1/offers/{normal_offer['id']}/accept", headers=auth(worker_key))
    assert r.status_code == 409 and r.json()["current_status"] == "declined"


async def test_offer_rules(client, world):
    _eid, employer_key = await world.employer()
    job = await _job(world, employer_key)
    worker, _worker_key = await world.worker()
    e = auth(employer_key)
    r = await client.post(f"/v1/jobs/{job['id']}/offers", json={"worker_id": worker["id"]},
                          headers=e)
    offer = r.json()
    r = await client.post(f"/v1/jobs/{job['id']}/offers", json={"worker_id": worker["id"]},
                          headers=e)
    assert r.status_code == 409 and r.json()["existing_id"] == offer["id"]
    r = await client.post(f"/v1/jobs/{job['id']}/offers", json={"worker_id": 10**9}, headers=e)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/worker_id"
    r = await client.post(f"/v1/offers/{offer['id']}/accept", headers=e)
    assert r.status_code == 403  # employers do not accept their own offers
    _other_id, other_key = await world.employer()
    r = await client.post(f"/v1/jobs/{job['id']}/offers", json={"worker_id": worker["id"]},
                          headers=auth(other_key))
    assert r.status_code == 404  # another employer's job
    r = await client.post(f"/v1/offers/{offer['id']}/withdraw", headers=e)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"


async def test_job_fills_at_headcount_and_reopens_when_a_hire_cancels_before_start(
    client, world, app, clock
):
    _eid, employer_key = await world.employer()
    job = await _job(world, employer_key, headcount=2)
    hires = []
    for _ in range(2):
        worker, key = await world.worker()
        hires.append((await offer_and_accept(client, employer_key, job["id"], worker["id"], key),
                      key))
    r = await client.get(f"/v1/jobs/{job['id']}", headers=auth(employer_key))
    assert r.json()["status"] == "filled"
    late, late_key = await world.worker()
    r = await client.post(f"/v1/jobs/{job['id']}/offers", json={"worker_id": late["id"]},
                          headers=auth(employer_key))
    assert r.status_code == 409 and r.json()["job_status"] == "filled"

    engagement, key = hires[0]
    clock.set(START - timedelta(days=1))
    r = await client.post(f"/v1/engagements/{engagement['id']}/cancel", json={"reason": "家中有事"},
                          headers=auth(key))
    assert r.status_code == 200 and r.json()["late_cancellation"] is False
    r = await client.get(f"/v1/jobs/{job['id']}", headers=auth(employer_key))
    assert r.json()["status"] == "open"
    assert (await events_for(app, "job", job["id"]))[-2:] == ["job.filled", "job.reopened"]
    await offer_and_accept(client, employer_key, job["id"], late["id"], late_key)
    r = await client.get(f"/v1/jobs/{job['id']}", headers=auth(employer_key))
    assert r.json()["status"] == "filled"

    # Cancelling after the start leaves the job as it is.
    engagement, key = hires[1]
    clock.set(START + timedelta(minutes=10))
    r = await client.post(f"/v1/engagements/{engagement['id']}/cancel", json={},
                          headers=auth(employer_key))
    assert r.status_code == 200 and r.json()["status"] == "cancelled_by_employer"
    assert r.json()["late_cancellation"] is True
    r = await client.get(f"/v1/jobs/{job['id']}", headers=auth(employer_key))
    assert r.json()["status"] == "filled"


async def test_a_worker_cannot_be_booked_twice_at_overlapping_times(client, world):
    worker, worker_key = await world.worker()
    _e1, key1 = await world.employer()
    _e2, key2 = await world.employer()
    job1 = await _job(world, key1)
    overlapping = await world.job(key2, **job_at(START + timedelta(hours=4),
                                                 START + timedelta(hours=10)))
    later = await world.job(key2, **job_at(START + timedelta(hours=8),
                                           START + timedelta(hours=12), title="夜班理货员"))
    await offer_and_accept(client, key1, job1["id"], worker["id"], worker_key)
    r = await client.post(f"/v1/jobs/{overlapping['id']}/offers",
                          json={"worker_id": worker["id"]}, headers=auth(key2))
    assert r.status_code == 409 and r.json()["type"] == "/problems/worker-double-booked"
    # Back to back (the first ends when the next starts) is fine.
    await offer_and_accept(client, key2, later["id"], worker["id"], worker_key)


async def test_workers_and_employers_see_only_their_own(client, world):
    a = await hire(world, start=START)
    b = await hire(world, start=START)
    r = await client.get("/v1/engagements", headers=auth(a.worker_key))
    assert [e["id"] for e in r.json()["items"]] == [a.id]
    r = await client.get("/v1/engagements", headers=auth(a.employer_key))
    assert [e["id"] for e in r.json()["items"]] == [a.id]
    for key in (a.worker_key, a.employer_key):
        r = await client.get(b.url, headers=auth(key))
        assert r.status_code == 404
        r = await client.post(f"{b.url}/cancel", json={}, headers=auth(key))
        assert r.status_code == 404
    r = await client.get(f"/v1/offers?job_id={b.job['id']}", headers=auth(a.employer_key))
    assert r.json()["items"] == []
    admin = await world.admin()
    r = await client.get("/v1/engagements", params={"worker_id": b.worker["id"]},
                         headers=auth(admin))
    assert [e["id"] for e in r.json()["items"]] == [b.id]
    partner = await world.key(Role.partner)
    r = await client.get("/v1/engagements", headers=auth(partner))
    assert r.status_code == 403


async def test_phones_are_revealed_only_once_hired(client, world):
    _employer_id, employer_key = await world.employer()
    job = await _job(world, employer_key)
    worker, worker_key = await world.worker(phone="13712345678")
    w, e = auth(worker_key), auth(employer_key)

    r = await client.post(f"/v1/jobs/{job['id']}/applications", json={}, headers=w)
    application = r.json()
    assert application["employer"]["contact_phone"] == "138****1234"
    assert application["employer"]["phone_masked"] is True
    assert application["worker"]["phone"] == "13712345678"  # the worker's own
    r = await client.get(f"/v1/applications/{application['id']}", headers=e)
    assert r.json()["worker"]["phone"] == "137****5678" and r.json()["worker"]["phone_masked"]
    r = await client.get(f"/v1/workers/{worker['id']}", headers=e)
    assert r.json()["phone"] == "137****5678"

    r = await client.post(f"/v1/applications/{application['id']}/accept", json={}, headers=e)
    engagement = r.json()
    assert engagement["worker"]["phone"] == "13712345678"
    r = await client.get(f"/v1/engagements/{engagement['id']}", headers=w)
    assert r.json()["employer"]["contact_phone"] == "13800001234"
    assert r.json()["employer"]["phone_masked"] is False
    r = await client.get(f"/v1/applications/{application['id']}", headers=w)
    assert r.json()["employer"]["contact_phone"] == "13800001234"
    r = await client.get(f"/v1/workers/{worker['id']}", headers=e)
    assert r.json()["phone"] == "13712345678"

    # Another employer, who never hired this worker, still sees it masked.
    _other, other_key = await world.employer()
    r = await client.get(f"/v1/workers/{worker['id']}", headers=auth(other_key))
    assert r.json()["phone"] == "137****5678"
