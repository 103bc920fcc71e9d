"""Helpers for the engagement tests: a movable clock and ready-made hires through the API."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.auth.principal import Role
from app.db import utcnow
from app.events.models import Event
from tests.conftest import auth, unique

SHANGHAI = ZoneInfo("Asia/Shanghai")


class FakeClock:
    """Set as app.state.clock: `now` when set, else the real time."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now or utcnow()

    def set(self, moment: datetime | str) -> None:
        self.now = datetime.fromisoformat(moment) if isinstance(moment, str) else moment


@pytest.fixture(name="clock")
def clock_fixture(app):
    fake = FakeClock()
    app.state.clock = fake
    yield fake
    app.state.clock = None


def shanghai(days: int, hour: int, minute: int = 0) -> datetime:
    """`days` from today at hour:minute Asia/Shanghai time, as an aware datetime."""
    today = datetime.now(SHANGHAI).date()
    return datetime.combine(today + timedelta(days=days), time(hour, minute), tzinfo=SHANGHAI)


def spot(seed: int | None = None) -> dict:
    """A job location somewhere in central Chongqing; distinct spots avoid the duplicate screen."""
    n = seed if seed is not None else secrets.randbelow(400)
    # Every spot is one 渝中 (500103) is believable for (see district_for_point).
    return {"lat": 29.50 + (n % 20) * 0.01, "lng": 106.46 + (n // 20) * 0.01,
            "address": f"渝中区测试路{n}号", "district_code": "500103"}


def job_at(start: datetime, end: datetime, **overrides) -> dict:
    body = {"starts_at": start.isoformat(), "ends_at": end.isoformat(), "location": spot(),
            "title": f"仓库搬运装卸{unique()}"}
    body.update(overrides)
    return body


@dataclass
class Hire:
    employer_id: int
    employer_key: str
    job: dict
    worker: dict
    worker_key: str
    engagement: dict

    @property
    def id(self) -> int:
        return self.engagement["id"]

    @property
    def url(self) -> str:
        return f"/v1/engagements/{self.id}"


async def offer_and_accept(client, employer_key: str, job_id: int, worker_id: int,
                           worker_key: str) -> dict:
    r = await client.post(f"/v1/jobs/{job_id}/offers", json={"worker_id": worker_id},
                          headers=auth(employer_key))
    assert r.status_code == 201, r.text
    r = await client.post(f"/v1/offers/{r.json()['id']}/accept", headers=auth(worker_key))
    assert r.status_code == 201, r.text
    return r.json()


async def hire(world, *, employer: tuple[int, str] | None = None, job: dict | None = None,
               start: datetime | None = None, hours: int = 8, **job_overrides) -> Hire:
    """An employer, a job (tomorrow 09:00–17:00 Shanghai unless told), a worker, hired."""
    employer_id, employer_key = employer or await world.employer()
    if job is None:
        start = start or shanghai(1, 9)
        job = await world.job(
            employer_key, **job_at(start, start + timedelta(hours=hours), **job_overrides)
        )
    worker, worker_key = await world.worker()
    engagement = await offer_and_accept(world.client, employer_key, job["id"], worker["id"],
                                        worker_key)
    return Hire(employer_id, employer_key, job, worker, worker_key, engagement)


async def events_for(app, resource_type: str, resource_id: int) -> list[str]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(Event.type).where(
                Event.resource_type == resource_type, Event.resource_id == resource_id
            ).order_by(Event.id)
        )
        return list(rows)


async def worker_key_for(world, worker_id: int) -> str:
    return await world.key(Role.worker, worker_id)


async def work(client, h: Hire, clock: FakeClock, *, minutes: int = 480, pieces: int | None = None,
               confirm: bool = True) -> dict:
    """Check in a minute after the job's start, out `minutes` later, and (optionally) have the
    employer confirm the hours. Returns the last engagement body."""
    start = datetime.fromisoformat(h.job["starts_at"])
    clock.set(start + timedelta(minutes=1))
    r = await client.post(f"{h.url}/check-in", json={}, headers=auth(h.worker_key))
    assert r.status_code == 200, r.text
    clock.set(start + timedelta(minutes=1 + minutes))
    body = {} if pieces is None else {"pieces": pieces}
    r = await client.post(f"{h.url}/check-out", json=body, headers=auth(h.worker_key))
    assert r.status_code == 200, r.text
    if confirm:
        r = await client.post(f"{h.url}/hours", json={"decision": "confirm"},
                              headers=auth(h.employer_key))
        assert r.status_code == 200, r.text
    return r.json()
