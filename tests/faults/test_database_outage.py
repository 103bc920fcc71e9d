"""PostgreSQL stops under a steady request stream: requests fail fast with a 503 problem,
/readyz tells the truth, the service recovers by itself, and nothing is half-written."""

from __future__ import annotations

import asyncio
import subprocess
import time
from dataclasses import dataclass

import asyncpg
import httpx
import pytest

from tests.conftest import job_body, make_credit_code
from tests.faults.pg_server import PrivatePostgres
from tests.faults.support import (
    GIGMARKET,
    on_postgres,
    service_env,
    wait_ready,
    with_private_postgres,
)

pytestmark = [on_postgres, with_private_postgres]


@pytest.fixture
def private_pg():
    server = PrivatePostgres().init()
    server.start()
    yield server
    server.destroy()


def _prepare(pg: PrivatePostgres) -> tuple[dict[str, str], str]:
    """Migrates the private server's database and issues an admin key."""
    env = service_env(pg.url("gigmarket"))
    subprocess.run([GIGMARKET, "migrate"], env=env, check=True)
    admin = subprocess.run([GIGMARKET, "keys", "create", "--role", "admin", "--name", "fault"],
                           env=env, check=True, capture_output=True, text=True).stdout.strip()
    return env, admin


@dataclass
class Outcome:
    phase: str
    kind: str  # write (POST /v1/jobs) | keyed (the same with an Idempotency-Key) | read
    status: int  # -1: the connection failed
    seconds: float
    title: str = ""
    body: dict | None = None
    key: str = ""


def _is_unavailable_problem(r: httpx.Response) -> bool:
    return (r.status_code == 503 and r.headers["content-type"] == "application/problem+json"
            and r.headers.get("retry-after") == "2"
            and r.json()["type"] == "/problems/database-unavailable")


async def test_requests_fail_fast_during_outage_and_recover(private_pg, processes):
    conn = await asyncpg.connect(private_pg.url().replace("+asyncpg", ""))
    await conn.execute("CREATE DATABASE gigmarket")
    await conn.close()
    env, admin = await asyncio.to_thread(_prepare, private_pg)
    base = processes.serve(env)
    headers = {"Authorization": f"Bearer {admin}"}
    outcomes: list[Outcome] = []
    problems: list[httpx.Response] = []  # every 503 answered to the stream
    phase = "before"
    await wait_ready(base)
    async with httpx.AsyncClient(base_url=base, timeout=20) as client:
        r = await client.post("/v1/employers", headers=headers, json={
            "name": "故障测试公司", "credit_code": make_credit_code()})
        employer_id = r.json()["id"]
        await client.post(f"/v1/employers/{employer_id}/verification", headers=headers,
                          json={"status": "verified"})

        async def call(kind: str, request) -> None:
            started = time.perf_counter()
            try:
                r = await request
                status = r.status_code
                if status == 503:
                    problems.append(r)
            except httpx.TransportError:
                status = -1
            outcomes.append(Outcome(phase, kind, status, time.perf_counter() - started))

        async def stream() -> None:
            i = 0
            while phase != "done":
                title = f"故障测试岗位{i:04d}"
                body = job_body(title=title, employer_id=employer_id)
                # Spread out (no duplicates); the district is derived from each point.
                body["location"] = {"lat": 29.3 + i * 0.01, "lng": 106.5516,
                                    "address": f"故障测试路{i}号"}
                kind = "keyed" if i % 2 else "write"
                extra = {"Idempotency-Key": f"job-{i:04d}"} if kind == "keyed" else {}
                await call(kind, client.post("/v1/jobs", headers={**headers, **extra},
                                             json=body))
                outcomes[-1].title, outcomes[-1].body = title, body
                outcomes[-1].key = extra.get("Idempotency-Key", "")
                await call("read", client.get("/v1/jobs", headers=headers,
                                              params={"employer_id": employer_id, "limit": 5}))
                i += 1
                await asyncio.sleep(0.05)

        task = asyncio.create_task(stream())
        await asyncio.sleep(1.0)
        phase = "stopping"  # requests racing the shutdown may still succeed
        await asyncio.to_thread(private_pg.stop)
        phase = "outage"
        await asyncio.sleep(2.0)
        ready = await client.get("/readyz")
        assert ready.status_code == 503 and ready.headers["content-type"] == (
            "application/problem+json")
        assert (await client.get("/healthz")).status_code == 200  # alive, only not ready
        phase = "recovering"
        await asyncio.to_thread(private_pg.start)
        await wait_ready(base, limit=10)  # by itself: no restart of the service
        await asyncio.sleep(1.0)
        phase = "after"
        await asyncio.sleep(1.0)
        phase = "done"
        await task
        assert (await client.get("/readyz")).status_code == 200

        # A client retrying a refused keyed POST with the same key gets it done exactly once.
        retried: dict[str, int] = {}
        for o in outcomes:
            if o.kind == "keyed" and o.status == 503:
                r = await client.post("/v1/jobs", json=o.body,
                                      headers={**headers, "Idempotency-Key": o.key})
                retried[o.title] = r.status_code

        listed = []
        cursor = None
        while True:
            params = {"employer_id": employer_id, "limit": 100}
            if cursor:
                params["cursor"] = cursor
            page = (await client.get("/v1/jobs", headers=headers, params=params)).json()
            listed += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break

    assert all(o.status in (200, 201, 503) for o in outcomes), [
        o for o in outcomes if o.status not in (200, 201, 503)]
    assert all(_is_unavailable_problem(r) for r in problems)
    outage = [o for o in outcomes if o.phase == "outage"]
    assert {o.kind for o in outage} == {"write", "keyed", "read"}
    assert all(o.status == 503 for o in outage), outage
    assert max(o.seconds for o in outage) < 6.0, "requests must fail fast"
    assert all(o.status in (200, 201) for o in outcomes if o.phase in ("before", "after"))
    # A key whose first request was cut off mid-write may stay claimed (409) until its
    # in-flight timeout; anything else must go through now.
    assert retried and all(code in (201, 409) for code in retried.values()), retried
    created = [o.title for o in outcomes if o.status == 201]
    created += [title for title, code in retried.items() if code == 201]
    stored = [job["title"] for job in listed]
    # Every 201 is stored once, every refusal left nothing behind, no posting lost its skills.
    assert sorted(stored) == sorted(created)
    assert all(job["skills"] for job in listed)
