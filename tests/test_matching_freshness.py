"""The in-memory match index stays fresh across API processes: two app instances with their
own engines on one database stand in for two processes (or two machines)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from app.main import create_app
from app.matching import memindex
from app.matching.index import set_reliability
from app.workers.models import Worker
from tests.conftest import auth

HOME = {"lat": 30.2950, "lng": 108.1700}  # Shizhu county: no other test's workers near


@pytest.fixture
async def other(settings):
    """A second app on the same database, with its own engine, pool and index."""
    application = create_app(settings)
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://b.test") as c:
        yield application, c
    await application.state.engine.dispose()


async def _ids(client, job_id, key) -> dict[int, dict]:
    r = await client.get(f"/v1/jobs/{job_id}/matches", params={"limit": 50}, headers=auth(key))
    assert r.status_code == 200, r.text
    return {i["id"]: i for i in r.json()["items"]}


async def test_changes_on_one_process_show_on_the_other(world, client, app, other, is_postgres):
    b_app, b = other
    _e, ekey = await world.employer()
    job = await world.job(ekey, location={**HOME, "address": "石柱县某街道"}, skills=["保洁"])
    assert await _ids(b, job["id"], ekey) == {}  # B has loaded its index now
    near = {"lat": HOME["lat"] + 0.01, "lng": HOME["lng"]}
    worker, wkey = await world.worker(home_location=near, skills=[{"name": "保洁", "years": 2}])
    # Created through A: in B's very next answer, and A's.
    assert worker["id"] in await _ids(b, job["id"], ekey)
    assert worker["id"] in await _ids(client, job["id"], ekey)

    # Moved out of reach through A: gone from B.
    r = await client.patch(f"/v1/workers/{worker['id']}", headers=auth(wkey),
                           json={"home_location": {"lat": HOME["lat"] + 1.0, "lng": HOME["lng"]}})
    assert r.status_code == 200, r.text
    assert worker["id"] not in await _ids(b, job["id"], ekey)
    r = await client.patch(f"/v1/workers/{worker['id']}", headers=auth(wkey),
                           json={"home_location": near})
    assert r.status_code == 200, r.text
    assert worker["id"] in await _ids(b, job["id"], ekey)

    # Changes were replayed, not the whole table read again.
    assert memindex._indexes[b_app.state.engine.sync_engine].loads == 1

    # A change whose transaction commits after a later one did: B still picks it up. (SQLite
    # has one writer at a time: commits come in log order there.)
    if not is_postgres:
        return
    async with app.state.sessionmaker() as slow:
        # As app/engagements/records.py writes a new score: the profile and its match keys.
        await slow.execute(update(Worker).where(Worker.id == worker["id"]).values(reliability=0.987))
        await set_reliability(slow, worker["id"], 0.987)
        second, _k = await world.worker(home_location=near, skills=[{"name": "保洁"}])
        seen = await _ids(b, job["id"], ekey)
        assert second["id"] in seen and seen[worker["id"]]["components"]["reliability"] != 0.987
        await slow.commit()
    seen = await _ids(b, job["id"], ekey)
    assert seen[worker["id"]]["components"]["reliability"] == 0.987

    # Deactivated through A: gone from B.
    r = await client.post(f"/v1/workers/{second['id']}/deactivate", headers=auth(wkey))
    if r.status_code == 200:
        assert second["id"] not in await _ids(b, job["id"], ekey)


async def test_a_process_behind_a_pruned_log_reloads(world, client, app, other):
    """Changes pruned from the log before a process read them are not lost: the horizon tells
    it to reload (once)."""
    from datetime import timedelta

    from app.db import utcnow
    from app.matching.index import prune_worker_changes

    b_app, b = other
    _e, ekey = await world.employer()
    job = await world.job(ekey, location={**HOME, "address": "石柱县某街道"}, skills=["保洁"])
    await _ids(b, job["id"], ekey)  # B has loaded its index now
    index = memindex._indexes[b_app.state.engine.sync_engine]
    loads = index.loads
    near = {"lat": HOME["lat"] - 0.01, "lng": HOME["lng"]}
    first, _k = await world.worker(home_location=near, skills=[{"name": "保洁"}])
    second, _k = await world.worker(home_location=near, skills=[{"name": "保洁"}])
    async with app.state.sessionmaker() as s:  # everything but the newest row goes
        assert await prune_worker_changes(s, utcnow() + timedelta(hours=1)) >= 1
        await s.commit()
    seen = await _ids(b, job["id"], ekey)
    assert {first["id"], second["id"]} <= set(seen)
    assert index.loads == loads + 1
    third, _k = await world.worker(home_location=near, skills=[{"name": "保洁"}])
    assert third["id"] in await _ids(b, job["id"], ekey)
    assert index.loads == loads + 1  # replayed again, not reloaded


async def test_pruning_keeps_recent_changes_and_the_newest(world, app):
    from datetime import timedelta

    from sqlalchemy import func, select

    from app.db import utcnow
    from app.matching.index import prune_worker_changes
    from app.matching.models import WorkerMatchChange, WorkerMatchChangeHorizon

    await world.worker(home_location=HOME, skills=[{"name": "保洁"}])
    async with app.state.sessionmaker() as s:
        before = await s.scalar(select(func.count()).select_from(WorkerMatchChange))
        assert await prune_worker_changes(s, utcnow() - timedelta(hours=1)) == 0
        assert await s.scalar(select(func.count()).select_from(WorkerMatchChange)) == before
        newest = await s.scalar(select(func.max(WorkerMatchChange.seq)))
        below = await s.scalar(select(func.max(WorkerMatchChange.seq))
                               .where(WorkerMatchChange.seq < newest))
        await prune_worker_changes(s, utcnow() + timedelta(hours=1))
        assert (await s.scalars(select(WorkerMatchChange.seq))).all() == [newest]
        horizon = await s.get(WorkerMatchChangeHorizon, 1)
        assert horizon.pruned_seq == below
        await s.commit()
