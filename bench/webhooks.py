"""Webhook delivery throughput: deliveries per second to a loopback receiver with 1 and 2
dispatcher processes (`gigmarket dispatch`) on PostgreSQL, beside a baseline of plain httpx
POSTs to the same receiver at the same concurrency (no database: the ceiling on this machine).

    python bench/webhooks.py [--events 3000] [--runs 3] [--database-url postgresql+asyncpg://…]

Each run: dispatchers start idle, N events are committed in one transaction, and the clock runs
until every delivery is recorded as succeeded (sequencing, fan-out, claim, sign, POST, record).
Prints a table and writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.auth.principal import Principal, Role  # noqa: E402
from app.config import Settings  # noqa: E402
from app.db import make_engine, make_sessionmaker  # noqa: E402
from app.events.models import Event  # noqa: E402
from app.events.service import record_event  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.webhooks.models import WebhookDelivery  # noqa: E402
from app.webhooks.schemas import EndpointCreate  # noqa: E402
from app.webhooks.service import create_endpoint  # noqa: E402
from app.webhooks.signing import envelope_bytes, headers_for, new_secret  # noqa: E402

SECRET_KEY = "bench-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def pg(dsn_url: str, statement: str) -> None:
    import asyncpg

    admin = make_url(dsn_url).set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin.render_as_string(hide_password=False))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def wait_http(url: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


async def baseline(url: str, n: int, concurrency: int) -> float:
    """Signed POSTs straight from memory: what one process can push without the database."""
    secret = new_secret()
    run = secrets.token_hex(3)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(limits=limits, trust_env=False) as client:
        async def one(i: int) -> None:
            async with sem:
                msg_id = f"evt_b{run}{i}"
                body = envelope_bytes(msg_id, "job.updated", datetime.now(UTC), {"i": i})
                r = await client.post(url, content=body,
                                      headers=headers_for([secret], msg_id, int(time.time()), body))
                r.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return n / (time.perf_counter() - started)


async def insert_events(sessionmaker, n: int, tag: str) -> None:
    async with sessionmaker() as session:
        for i in range(n):
            record_event(session, "job.updated", resource_type="bench", resource_id=i,
                         data={"run": tag, "i": i, "title": "家庭保洁"}, public=True)
        await session.commit()


async def succeeded(sessionmaker, tag: str) -> int:
    async with sessionmaker() as session:
        return await session.scalar(
            select(func.count()).select_from(WebhookDelivery)
            .join(Event, Event.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.status == "succeeded", Event.data["run"].as_string() == tag)
        )


async def one_run(sessionmaker, env: dict, k: int, n: int, concurrency: int) -> dict:
    procs = [
        subprocess.Popen(  # noqa: ASYNC220 - the benchmark's own child processes
            [sys.executable, "-m", "app.cli", "dispatch", "--concurrency", str(concurrency)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(k)
    ]
    try:
        await asyncio.sleep(3)  # imports and first poll: not part of the measurement
        tag = secrets.token_hex(4)
        started = time.perf_counter()
        await insert_events(sessionmaker, n, tag)
        while (done := await succeeded(sessionmaker, tag)) < n:
            if time.perf_counter() - started > 300:
                raise RuntimeError(f"only {done}/{n} delivered after 300 s")
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)
    return {"dispatchers": k, "events": n, "seconds": round(elapsed, 3),
            "per_second": round(n / elapsed, 1)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "GIGMARKET_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    name = f"gm_bench_webhooks_{os.getpid()}"
    await pg(args.database_url, f'CREATE DATABASE "{name}"')
    url = make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
    port = free_port()
    receiver = subprocess.Popen(  # noqa: ASYNC220
        [sys.executable, "-m", "uvicorn", "bench.webhook_receiver:app", "--port", str(port),
         "--log-level", "warning", "--no-access-log"],
        cwd=ROOT,
    )
    try:
        await asyncio.to_thread(upgrade, url)
        receiver_url = f"http://127.0.0.1:{port}/hook"
        await asyncio.to_thread(wait_http, f"http://127.0.0.1:{port}/stats")
        settings = Settings(database_url=url, secret_key=SECRET_KEY,
                            webhook_allow_list=["127.0.0.1"])
        engine = make_engine(url)
        sessionmaker = make_sessionmaker(engine)
        async with sessionmaker() as session:
            admin = Principal(key_id=1, role=Role.admin, scopes=frozenset({"*"}))
            await create_endpoint(session, admin,
                                  EndpointCreate(url=receiver_url, event_types=["job.*"]),
                                  settings, SECRET_KEY.encode())
            await session.commit()
        env = {**os.environ, "GIGMARKET_DATABASE_URL": url, "GIGMARKET_SECRET_KEY": SECRET_KEY,
               "GIGMARKET_WEBHOOK_ALLOW_LIST": '["127.0.0.1"]', "GIGMARKET_LOG_LEVEL": "WARNING",
               "GIGMARKET_DISPATCHER_POLL_SECONDS": "0.05"}

        rows = []
        base = [await baseline(receiver_url, args.events, args.concurrency)
                for _ in range(args.runs)]
        rows.append({"config": "baseline: httpx only, no database", "runs": base})
        for k in (1, 2):
            runs = [await one_run(sessionmaker, env, k, args.events, args.concurrency)
                    for _ in range(args.runs)]
            rows.append({"config": f"{k} dispatcher{'s' if k > 1 else ''} (PostgreSQL)",
                         "runs": [r["per_second"] for r in runs], "detail": runs})
        stats = httpx.get(f"http://127.0.0.1:{port}/stats").json()  # noqa: ASYNC210
        await engine.dispose()
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
        await pg(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    base_median = statistics.median(rows[0]["runs"])
    print(f"\nWebhook deliveries per second, {args.events} events per run, "
          f"{args.runs} runs, concurrency {args.concurrency}, {os.cpu_count()} CPUs")
    print(f"{'configuration':38} {'median/s':>9} {'min':>8} {'max':>8} {'vs baseline':>12}")
    for row in rows:
        med = statistics.median(row["runs"])
        row["median"] = round(med, 1)
        row["ratio_to_baseline"] = round(med / base_median, 3)
        print(f"{row['config']:38} {med:9.1f} {min(row['runs']):8.1f} {max(row['runs']):8.1f} "
              f"{row['ratio_to_baseline']:12.2f}")
    duplicates = stats["count"] - stats["unique"]
    print(f"receiver: {stats['count']} POSTs, {stats['unique']} distinct webhook-ids, "
          f"{duplicates} duplicates")
    out = ROOT / "bench" / "results" / f"webhooks-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps({
        "benchmark": "webhooks", "at": datetime.now(UTC).isoformat(), "events": args.events,
        "runs": args.runs, "concurrency": args.concurrency, "cpus": os.cpu_count(),
        "rows": rows, "receiver": stats, "duplicate_posts": duplicates,
    }, indent=2, ensure_ascii=False))
    print(out)


if __name__ == "__main__":
    asyncio.run(main())
