"""No overselling, no double booking, under concurrent requests through several app instances.

Each instance has its own engine and connection pool (as separate API processes would), and
all requests are in flight together: a counter around the transport proves they overlapped.
Runs on SQLite by default and on PostgreSQL with GIGMARKET_TEST_DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from app.engagements.models import LIVE_STATUSES, Engagement
from app.main import create_app
from tests.conftest import auth, unique
from tests.engagements_fixtures import job_at, shanghai, spot

INSTANCES = 3


@dataclass
class InFlight:
    current: int = 0
    peak: int = 0


class CountingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, stats: InFlight) -> None:
        self.inner, self.stats = inner, stats

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.stats.current += 1
        self.stats.peak = max(self.stats.peak, self.stats.current)
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.stats.current -= 1


@contextlib.asynccontextmanager
async def instances(settings, stats: InFlight):
    """INSTANCES independent apps on the same database, each with a small pool of its own."""
    # The pools are small on purpose; the generous wait keeps a loaded CI machine from turning
    # the queue for them into 503s (these tests are about oversell, not pool capacity).
    apps = [create_app(settings.model_copy(update={"db_pool_size": 4,
                                                   "db_pool_timeout_seconds": 60}))
            for _ in range(INSTANCES)]
    clients = [
        httpx.AsyncClient(transport=CountingTransport(httpx.ASGITransport(app=a), stats),
                          base_url="http://gigmarket.test")
        for a in apps
    ]
    try:
        yield clients
    finally:
        for c in clients:
            await c.aclose()
        for a in apps:
            await a.state.engine.dispose()


async def live_count(app, **where) -> int:
    async with app.state.sessionmaker() as session:
        stmt = select(func.count()).select_from(Engagement).where(
            Engagement.status.in_(LIVE_STATUSES),
            *[getattr(Engagement, k) == v for k, v in where.items()],
        )
        return await session.scalar(stmt)


async def job_with_offers(client, world, *, days: int, headcount: int, offers: int):
    """A job tomorrow-ish and `offers` workers each holding an offer for it: (job, employer key,
    [(offer id, worker key)])."""
    _employer_id, employer_key = await world.employer()
    start = shanghai(days, 9)
    job = await world.job(employer_key, headcount=headcount,
                          **job_at(start, start + timedelta(hours=8)))
    held = []
    for _ in range(offers):
        worker, worker_key = await world.worker()
        r = await client.post(f"/v1/jobs/{job['id']}/offers", json={"worker_id": worker["id"]},
                              headers=auth(employer_key))
        assert r.status_code == 201, r.text
        held.append((r.json()["id"], worker_key))
    return job, employer_key, held


async def test_fifty_concurrent_accepts_hire_exactly_the_headcount(client, world, app, settings):
    job, employer_key, offers = await job_with_offers(client, world, days=3, headcount=3,
                                                      offers=50)

    stats = InFlight()
    async with instances(settings, stats) as clients:
        responses = await asyncio.gather(*[
            clients[i % INSTANCES].post(f"/v1/offers/{offer_id}/accept", headers=auth(key))
            for i, (offer_id, key) in enumerate(offers)
        ])
    codes = sorted(r.status_code for r in responses)
    assert stats.peak > 10, f"requests did not overlap (peak {stats.peak})"
    assert codes.count(201) == 3, codes
    assert codes.count(409) == 47, [r.text for r in responses if r.status_code not in (201, 409)]
    assert {r.json()["type"] for r in responses if r.status_code == 409} <= {
        "/problems/job-not-open", "/problems/job-full"}
    assert await live_count(app, job_id=job["id"]) == 3
    r = await client.get(f"/v1/jobs/{job['id']}", headers=auth(employer_key))
    assert r.json()["status"] == "filled"


async def test_concurrent_hires_of_one_worker_into_overlapping_jobs_end_with_one(
    client, world, app, settings
):
    worker, worker_key = await world.worker()
    start = shanghai(4, 8)
    applications = []
    for i in range(12):
        _employer_id, employer_key = await world.employer()
        # Overlapping windows, each shifted by a quarter hour.
        s = start + timedelta(minutes=15 * i)
        job = await world.job(employer_key, **job_at(s, s + timedelta(hours=6),
                                                     location=spot(i), title=f"保洁{unique()}"))
        r = await client.post(f"/v1/jobs/{job['id']}/applications", json={},
                              headers=auth(worker_key))
        assert r.status_code == 201, r.text
        applications.append((r.json()["id"], employer_key))

    stats = InFlight()
    async with instances(settings, stats) as clients:
        responses = await asyncio.gather(*[
            clients[i % INSTANCES].post(f"/v1/applications/{app_id}/accept", json={},
                                        headers=auth(key))
            for i, (app_id, key) in enumerate(applications)
        ])
    codes = [r.status_code for r in responses]
    assert stats.peak > 3, f"requests did not overlap (peak {stats.peak})"
    assert codes.count(201) == 1, [r.text for r in responses]
    losers = [r.json() for r in responses if r.status_code != 201]
    assert all(p["type"] == "/problems/worker-double-booked" for p in losers), losers
    assert await live_count(app, worker_id=worker["id"]) == 1


@pytest.mark.parametrize("headcount", [2])
async def test_racing_accept_and_cancel_keep_the_count_and_job_status_consistent(
    client, world, app, settings, headcount
):
    """Cancellations reopen the job while new hires fill it: live never exceeds headcount and
    the job is filled exactly when live == headcount."""
    _employer_id, employer_key = await world.employer()
    start = shanghai(5, 9)
    job = await world.job(employer_key, headcount=headcount,
                          **job_at(start, start + timedelta(hours=8)))
    offers = []
    for _ in range(headcount + 10):
        worker, key = await world.worker()
        r = await client.post(f"/v1/jobs/{job['id']}/offers", json={"worker_id": worker["id"]},
                              headers=auth(employer_key))
        assert r.status_code == 201, r.text
        offers.append((r.json()["id"], key))
    hired, pending = [], offers[headcount:]
    for offer_id, key in offers[:headcount]:
        r = await client.post(f"/v1/offers/{offer_id}/accept", headers=auth(key))
        assert r.status_code == 201, r.text
        hired.append((r.json()["id"], key))

    stats = InFlight()
    async with instances(settings, stats) as clients:
        calls = [clients[0].post(f"/v1/engagements/{eid}/cancel", json={}, headers=auth(key))
                 for eid, key in hired]
        calls += [clients[(i % 2) + 1].post(f"/v1/offers/{oid}/accept", headers=auth(key))
                  for i, (oid, key) in enumerate(pending)]
        responses = await asyncio.gather(*calls)
    assert all(r.status_code in (200, 201, 409) for r in responses), [r.text for r in responses]
    live = await live_count(app, job_id=job["id"])
    assert live <= headcount
    r = await client.get(f"/v1/jobs/{job['id']}", headers=auth(employer_key))
    assert r.json()["status"] == ("filled" if live == headcount else "open")


async def test_lowering_the_headcount_during_concurrent_accepts_never_leaves_it_oversold(
    client, world, app, settings
):
    job, employer_key, offers = await job_with_offers(client, world, days=6, headcount=6,
                                                      offers=12)

    stats = InFlight()
    async with instances(settings, stats) as clients:
        accepts = [clients[i % INSTANCES].post(f"/v1/offers/{offer_id}/accept", headers=auth(key))
                   for i, (offer_id, key) in enumerate(offers)]
        patch = clients[0].patch(f"/v1/jobs/{job['id']}", json={"headcount": 2},
                                 headers=auth(employer_key))
        *responses, patched = await asyncio.gather(*accepts[:6], patch, *accepts[6:])
        responses.append(patched)
    assert stats.peak > 5, f"requests did not overlap (peak {stats.peak})"
    patched = next(r for r in responses if r.request.method == "PATCH")
    r = await client.get(f"/v1/jobs/{job['id']}", headers=auth(employer_key))
    headcount = r.json()["headcount"]
    live = await live_count(app, job_id=job["id"])
    assert live <= headcount, (live, headcount)
    if patched.status_code == 200:
        assert headcount == 2
    else:
        assert patched.json()["type"] in ("/problems/headcount-below-hired",
                                          "/problems/job-not-open",
                                          "/problems/conflict"), patched.text
        assert headcount == 6


async def test_headcount_cannot_go_below_the_hired_and_meeting_it_fills_the_job(
    client, world
):
    _employer_id, employer_key = await world.employer()
    start = shanghai(7, 9)
    job = await world.job(employer_key, headcount=4, **job_at(start, start + timedelta(hours=8)))
    for _ in range(2):
        worker, worker_key = await world.worker()
        r = await client.post(f"/v1/jobs/{job['id']}/offers", json={"worker_id": worker["id"]},
                              headers=auth(employer_key))
        r = await client.post(f"/v1/offers/{r.json()['id']}/accept", headers=auth(worker_key))
        assert r.status_code == 201, r.text
    r = await client.patch(f"/v1/jobs/{job['id']}", json={"headcount": 1},
                           headers=auth(employer_key))
    assert r.status_code == 409, r.text
    assert r.json()["type"] == "/problems/headcount-below-hired" and r.json()["hired"] == 2
    r = await client.patch(f"/v1/jobs/{job['id']}", json={"headcount": 2},
                           headers=auth(employer_key))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "filled" and r.json()["headcount"] == 2
