"""Match endpoints through the real app: access, explanation, paging, freshness."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from app.auth.principal import Role
from app.matching.explain import SHOWN_SUM_TOLERANCE
from app.matching.rules import SHANGHAI
from tests.conftest import auth, in_days

# A point of our own, far from every other test's workers and jobs (Wanzhou).
HOME = {"lat": 30.8075, "lng": 108.4087}


async def _job(world, key, **kw):
    body = {"location": {**HOME, "address": "万州区某街道"}, "skills": ["保洁"], **kw}
    return await world.job(key, **body)


async def _worker(world, **kw):
    body = {"home_location": {"lat": HOME["lat"] + 0.01, "lng": HOME["lng"]},
            "skills": [{"name": "保洁", "years": 3}], **kw}
    return await world.worker(**body)


async def test_job_matches_explained_and_fresh(world, client):
    _employer_id, ekey = await world.employer()
    job = await _job(world, ekey)
    worker, _wkey = await _worker(world)
    r = await client.get(f"/v1/jobs/{job['id']}/matches", headers=auth(ekey))
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    mine = [i for i in items if i["id"] == worker["id"]]
    assert mine, items  # created in the previous request, matchable now
    item = mine[0]
    assert item["worker"]["phone"] == "139****5678"
    # The taxonomy's name for 保洁.
    assert item["matched_skills"] == ["保洁员"] and item["missing_skills"] == []
    # Score from the unrounded values, rounded; the shown values agree within the bound.
    total = sum(item["weights"][k] * item["components"][k] for k in item["components"])
    assert abs(total - item["score"]) <= SHOWN_SUM_TOLERANCE
    assert item["score"] == round(item["score"], 4)
    assert all(0 <= v <= 1 for v in item["components"].values())
    assert 1.0 < item["distance_km"] < 1.2


async def test_other_employer_gets_404(world, client):
    _e, ekey = await world.employer()
    _o, other = await world.employer()
    job = await _job(world, ekey)
    r = await client.get(f"/v1/jobs/{job['id']}/matches", headers=auth(other))
    assert r.status_code == 404
    worker, _wkey = await _worker(world)
    other_worker_key = await world.key(Role.worker)
    r = await client.get(f"/v1/workers/{worker['id']}/matches", headers=auth(other_worker_key))
    assert r.status_code == 404
    r = await client.get(f"/v1/workers/{worker['id']}/matches", headers=auth(ekey))
    assert r.status_code in (403, 404)


async def test_worker_matches_and_paging(world, client):
    _e, ekey = await world.employer()
    jobs = [await _job(world, ekey, title=f"万州保洁{i}号", starts_at=in_days(3 + i),
                       ends_at=in_days(3 + i, hour=17)) for i in range(5)]
    worker, wkey = await _worker(world)
    seen, cursor = [], None
    for _ in range(10):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        r = await client.get(f"/v1/workers/{worker['id']}/matches", params=params,
                             headers=auth(wkey))
        assert r.status_code == 200, r.text
        seen += [i["id"] for i in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert {j["id"] for j in jobs} <= set(seen)
    r = await client.get(f"/v1/workers/{worker['id']}/matches", params={"cursor": "bad"},
                         headers=auth(wkey))
    assert r.status_code == 422


def _shanghai(days: int, hhmm: str) -> str:
    """A time of day in Asia/Shanghai, `days` from now, as ISO 8601 with its offset."""
    day = (datetime.now(SHANGHAI) + timedelta(days=days)).date()
    h, m = map(int, hhmm.split(":"))
    return datetime.combine(day, time(h, m), SHANGHAI).isoformat()


async def test_availability_windows_decide_both_ways(world, client):
    # Week blocks drop the plainly unavailable before ranking; the minute check decides the
    # rest (07:00–08:30 shares a block with 08:00–12:00 but starts before it).
    _e, ekey = await world.employer()
    spans = {"inside": ("09:00", "11:00"), "edge": ("08:30", "09:30"),
             "early": ("07:00", "08:30"), "straddles": ("11:00", "13:00"),
             "evening": ("19:00", "21:00")}
    jobs = {name: await _job(world, ekey, title=f"万州保洁{name}",
                             starts_at=_shanghai(4, a), ends_at=_shanghai(4, b))
            for name, (a, b) in spans.items()}
    mornings = [{"weekday": d, "start": "08:00", "end": "12:00"} for d in range(1, 8)]
    worker, wkey = await _worker(world, availability=mornings)
    r = await client.get(f"/v1/workers/{worker['id']}/matches", params={"limit": 50},
                         headers=auth(wkey))
    assert r.status_code == 200, r.text
    found = {i["id"] for i in r.json()["items"]}
    assert found & {j["id"] for j in jobs.values()} == {jobs["inside"]["id"], jobs["edge"]["id"]}
    for name, job in jobs.items():
        r = await client.get(f"/v1/jobs/{job['id']}/matches", params={"limit": 100},
                             headers=auth(ekey))
        shown = worker["id"] in {i["id"] for i in r.json()["items"]}
        assert shown == (name in ("inside", "edge")), name
