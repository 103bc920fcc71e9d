"""PostgreSQL stops under a steady request stream: requests fail fast with a 503 problem,
/readyz tells the truth, the service recovers by itself, and nothing is half-written."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import job_body, make_credit_code
from tests.faults.pg_server import PrivatePostgres, available

pytestmark = pytest.mark.skipif(
    not (available() and (os.environ.get("GIGMARKET_TEST_DATABASE_URL") or "").startswith(
        "postgresql")),
    reason="runs in the PostgreSQL pass, with PostgreSQL binaries on the machine",
)


@pytest.fixture
def private_pg():
    server = PrivatePostgres().init()
    server.start()
    yield server
    server.destroy()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_service(pg: PrivatePostgres, tmp_path: Path) -> tuple[subprocess.Popen, str, int]:
    """Migrate, issue an admin key and start `gigmarket serve` on the private server."""
    env = {**os.environ, "GIGMARKET_DATABASE_URL": pg.url("gigmarket"),
           "GIGMARKET_SECRET_KEY": "fault-test", "GIGMARKET_LOG_LEVEL": "WARNING"}
    gigmarket = str(Path(sys.executable).parent / "gigmarket")
    subprocess.run([gigmarket, "migrate"], env=env, check=True)
    admin = subprocess.run([gigmarket, "keys", "create", "--role", "admin", "--name", "fault"],
                           env=env, check=True, capture_output=True, text=True).stdout.strip()
    port = _free_port()
    with open(tmp_path / "serve.log", "w") as log:
        server = subprocess.Popen([gigmarket, "serve", "--port", str(port)], env=env,
                                  cwd=tmp_path, stdout=log, stderr=log)
    return server, admin, port


async def test_requests_fail_fast_during_outage_and_recover(private_pg, tmp_path):
    conn = await asyncpg.connect(private_pg.url().replace("+asyncpg", ""))
    await conn.execute("CREATE DATABASE gigmarket")
    await conn.close()
    server, admin, port = await asyncio.to_thread(_start_service, private_pg, tmp_path)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {admin}"}
    outcomes: list[tuple[str, int, float, str]] = []  # (phase, status, seconds, title)
    phase = "before"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=20) as client:
            for _ in range(100):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            r = await client.post("/v1/employers", headers=headers, json={
                "name": "故障测试公司", "credit_code": make_credit_code()})
            employer_id = r.json()["id"]
            await client.post(f"/v1/employers/{employer_id}/verification", headers=headers,
                              json={"status": "verified"})

            async def stream() -> None:
                i = 0
                while phase != "done":
                    title = f"故障测试岗位{i:04d}"
                    started = time.perf_counter()
                    body = job_body(title=title, employer_id=employer_id)
                    body["location"] = {**body["location"], "lat": 29.3 + i * 0.01}
                    try:
                        r = await client.post("/v1/jobs", headers=headers, json=body)
                        status = r.status_code
                        if status == 503:
                            assert r.headers["content-type"] == "application/problem+json"
                    except httpx.TransportError:
                        status = -1
                    outcomes.append((phase, status, time.perf_counter() - started, title))
                    i += 1
                    await asyncio.sleep(0.05)

            task = asyncio.create_task(stream())
            await asyncio.sleep(1.0)
            phase = "stopping"  # requests racing the shutdown may still succeed
            await asyncio.to_thread(private_pg.stop)
            phase = "outage"
            await asyncio.sleep(2.0)
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            phase = "recovering"
            await asyncio.to_thread(private_pg.start)
            for _ in range(100):
                if (await client.get("/readyz")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)
            phase = "after"
            await asyncio.sleep(1.0)
            phase = "done"
            await task
            assert (await client.get("/readyz")).status_code == 200

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
    finally:
        server.terminate()
        server.wait(timeout=15)

    assert all(status in (201, 503) for _, status, _, _ in outcomes), [
        o for o in outcomes if o[1] not in (201, 503)]
    outage = [o for o in outcomes if o[0] == "outage"]
    assert outage and all(status == 503 for _, status, _, _ in outage), outage
    assert max(seconds for _, _, seconds, _ in outage) < 6.0, "requests must fail fast"
    assert all(status == 201 for p, status, _, _ in outcomes if p in ("before", "after"))
    created = {title for _, status, _, title in outcomes if status == 201}
    stored = {job["title"] for job in listed}
    # Every 201 is stored, every refusal left nothing behind, and no posting lost its skills.
    assert stored == created
    assert all(job["skills"] for job in listed)
