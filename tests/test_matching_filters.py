"""Every hard filter excludes a candidate that otherwise matches (through the API)."""

from __future__ import annotations

import itertools

import pytest

from tests.conftest import auth
from tests.engagements_fixtures import job_at, offer_and_accept, shanghai

_spot = itertools.count()


def _place() -> dict:
    # Each case its own corner of Fuling, so no other test's workers or jobs interfere.
    n = next(_spot)
    return {"lat": 29.70 + 0.02 * (n % 10), "lng": 107.30 + 0.02 * (n // 10)}


START = shanghai(4, 9)


def _job_body(place: dict, **kw) -> dict:
    body = job_at(START, START.replace(hour=START.hour + 8), skills=["保洁"], headcount=3)
    body["location"] = {**place, "address": "涪陵区某街道"}
    body.update(kw)
    return body


def _worker_body(place: dict, **kw) -> dict:
    body = {
        "name": "李芳", "phone": "13812340000", "birth_date": "1985-03-02", "gender": "female",
        "skills": [{"name": "保洁", "years": 2}], "max_travel_km": 10,
        "home_location": {"lat": place["lat"] + 0.01, "lng": place["lng"]},
        "certificates": ["健康证"],
    }
    body.update(kw)
    return body


CASES = {
    "matches": ({}, {}),
    "distance beyond the worker's travel limit": ({}, {"max_travel_km": 0.5}),
    "beyond the job's radius": ({"radius_km": 0.5}, {}),
    "availability does not cover the shift": (
        {}, {"availability": [{"weekday": w, "start": "13:00", "end": "22:00"} for w in range(1, 8)]}
    ),
    "missing certificate": ({"requirements": {"certificates": ["电工证"]}}, {}),
    "gender": ({"requirements": {"gender": "male"}}, {}),
    "too old": ({"requirements": {"max_age": 30}}, {}),
    "too young": ({"requirements": {"min_age": 60}}, {}),
    "no shared skill": ({"skills": ["水电工"]}, {}),
    "not available until then": ({}, {"available_until_date": "2020-01-01"}),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_hard_filter(world, client, case):
    job_kw, worker_kw = CASES[case]
    place = _place()
    _e, ekey = await world.employer()
    job = await world.job(ekey, **_job_body(place, **job_kw))
    worker, _k = await world.worker(**_worker_body(place, **worker_kw))
    r = await client.get(f"/v1/jobs/{job['id']}/matches", headers=auth(ekey))
    assert r.status_code == 200, r.text
    ids = [i["id"] for i in r.json()["items"]]
    assert (worker["id"] in ids) == (case == "matches"), (case, r.json())


async def test_booked_on_overlapping_engagement_inactive_worker_and_closed_job(world, client):
    place = _place()
    _e, ekey = await world.employer()
    job = await world.job(ekey, **_job_body(place))
    other = await world.job(ekey, **_job_body(place, title="另一份保洁"))
    worker, wkey = await world.worker(**_worker_body(place))
    second, skey = await world.worker(**_worker_body(place, name="王敏"))

    async def ids(job_id):
        r = await client.get(f"/v1/jobs/{job_id}/matches", headers=auth(ekey))
        assert r.status_code == 200, r.text
        return [i["id"] for i in r.json()["items"]]

    assert {worker["id"], second["id"]} <= set(await ids(job["id"]))
    await offer_and_accept(client, ekey, other["id"], worker["id"], wkey)
    assert worker["id"] not in await ids(job["id"])  # booked at the same time elsewhere
    r = await client.get(f"/v1/workers/{worker['id']}/matches", headers=auth(wkey))
    assert job["id"] not in [i["id"] for i in r.json()["items"]]
    r = await client.post(f"/v1/workers/{second['id']}/deactivate", headers=auth(skey))
    assert r.status_code == 200, r.text
    assert second["id"] not in await ids(job["id"])
    r = await client.post(f"/v1/jobs/{job['id']}/close", headers=auth(ekey))
    assert r.status_code == 200, r.text
    assert await ids(job["id"]) == []
