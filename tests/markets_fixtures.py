"""Helpers for the compliance tests: values for the draft standard, markets with a profile,
postings a market registered, and an isolated app for tests that change the current standard."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from app.auth.principal import Role
from app.config import Settings
from app.db import utcnow
from app.engagements.models import Engagement
from app.jobs.models import Job
from app.main import create_app
from app.markets.standards import builtin_standards
from app.migrate import upgrade
from tests.conftest import SECRET, World, auth, fresh_database, in_days, job_body, unique

DRAFT = "cq-draft-2024"


def draft():
    return builtin_standards()[DRAFT]


def full_values(**overrides) -> dict:
    """Typed-in values that earn full marks on every non-computed indicator of the draft, for
    either scale, with no veto. Overrides replace values by code (a bare value or a dict)."""
    values = {}
    for ind in draft().indicators:
        if ind.kind == "computed":
            continue
        if ind.kind == "boolean":
            value = ind.pass_when
        elif ind.kind == "count":
            value = [item.code for item in ind.items]
        else:
            tops = [tiers[-1].threshold for tiers in (ind.thresholds or {}).values()]
            value = min(tops) if ind.direction == "lower" else max(tops)
        values[ind.code] = {"value": value}
    for code, value in overrides.items():
        values[code] = value if isinstance(value, dict) else {"value": value}
    return values


def opened(months_ago: float) -> str:
    return (date.today() - timedelta(days=round(months_ago * 30.5))).isoformat()


async def make_market(world: World, **fields) -> tuple[int, str]:
    body = {"name": f"测试零工市场{unique()}", "scale": "market", "district_code": "500103",
            "operating_mode": "public_agency", "opening_date": opened(12), **fields}
    r = await world.client.post("/v1/markets", json=body, headers=auth(await world.admin()))
    assert r.status_code == 201, r.text
    return r.json()["id"], await world.key(Role.market, r.json()["id"])


async def assess(client, key: str, market_id: int, values: dict | None = None, **extra):
    return await client.post(
        f"/v1/markets/{market_id}/assessments",
        json={"values": full_values() if values is None else values, **extra}, headers=auth(key),
    )


async def market_postings(world: World, market_key: str, n: int, **overrides) -> list[dict]:
    """n postings a market registers for a verified employer (办理招聘登记)."""
    employer_id, _ = await world.employer()
    jobs = []
    for i in range(n):
        body = job_body(employer_id=employer_id, title=f"搬运装卸{unique()}号",
                        starts_at=in_days(3 + 2 * i), ends_at=in_days(3 + 2 * i, 17),
                        headcount=1, **overrides)
        r = await world.client.post("/v1/jobs", json=body, headers=auth(market_key))
        assert r.status_code == 201, r.text
        assert r.json()["registered_by_market_id"] is not None
        jobs.append(r.json())
    return jobs


async def hire(world: World, job: dict, *, published_hours_ago: float = 48,
               after_hours: float = 2) -> None:
    """A worker hired on the posting `after_hours` after it was published, which is moved
    `published_hours_ago` into the past so the hire lies inside the window and before now."""
    worker, _ = await world.worker()
    published = utcnow() - timedelta(hours=published_hours_ago)
    async with world.app.state.sessionmaker() as session:
        await session.execute(
            update(Job).where(Job.id == job["id"]).values(published_at=published)
        )
        session.add(Engagement(
            job_id=job["id"], worker_id=worker["id"], employer_id=job["employer_id"],
            status="hired", starts_at=datetime.fromisoformat(job["starts_at"]),
            ends_at=datetime.fromisoformat(job["ends_at"]),
            created_at=published + timedelta(hours=after_hours),
        ))
        await session.commit()


@pytest.fixture(scope="module")
def isolated_database(backend_url, tmp_path_factory):
    """A fresh, migrated database (sync: migrations run their own event loop)."""
    url, drop = fresh_database(backend_url, tmp_path_factory.mktemp("markets_db"), "markets")
    upgrade(url)
    yield url
    drop()


@pytest.fixture(scope="module")
async def isolated(isolated_database, tmp_path_factory):
    """A world on its own database: for tests that publish standards (which changes the
    current version for everyone on that database)."""
    settings = Settings(
        database_url=isolated_database, secret_key=SECRET,
        secret_key_file=tmp_path_factory.mktemp("markets_secret") / "unused", log_json=True,
    )
    application = create_app(settings)
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://gigmarket.test") as c:
        yield World(application, c)
    await application.state.engine.dispose()
