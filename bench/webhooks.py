"""Webhook delivery throughput: deliveries per second to a loopback receiver with dispatcher
processes on PostgreSQL, in one run: the dispatcher with its previous client (httpx, the
"before" row) and with aiohttp (`gigmarket dispatch`, 1 and 2 processes), beside anchors of
bare httpx and bare aiohttp POSTs to the same receiver at the same concurrency (no database).

    python bench/webhooks.py [--events 5000] [--runs 3] [--database-url postgresql+asyncpg://…]

Each run: dispatchers start idle, N events are committed in one transaction, and the clock runs
until every delivery is recorded as succeeded (sequencing, fan-out, claim, sign, POST, record).
Runs of the configurations are interleaved, so load from elsewhere on the machine spreads over
all of them. Prints a table (medians, ratios, load average) and writes JSON to bench/results/.
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

import aiohttp
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


def wait_http(url: str, timeout: float = 15, want_ok: bool = False) -> None:
    """Until `url` answers (want_ok: answers 200, e.g. /readyz once the index is loaded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200 or not want_ok:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def _signed(secret: str, run: str, i: int) -> tuple[bytes, dict[str, str]]:
    msg_id = f"evt_b{run}{i}"
    body = envelope_bytes(msg_id, "job.updated", datetime.now(UTC), {"i": i, "title": "家庭保洁"})
    return body, headers_for([secret], msg_id, int(time.time()), body)


async def anchor_httpx(url: str, n: int, concurrency: int) -> float:
    """Signed POSTs straight from memory with httpx: no database."""
    secret, run = new_secret(), secrets.token_hex(3)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(limits=limits, trust_env=False) as client:
        async def one(i: int) -> None:
            async with sem:
                body, headers = _signed(secret, run, i)
                r = await client.post(url, content=body, headers=headers)
                r.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return n / (time.perf_counter() - started)


async def anchor_aiohttp(url: str, n: int, concurrency: int) -> float:
    """The same POSTs with aiohttp: the ceiling of the dispatcher's client on this machine."""
    secret, run = new_secret(), secrets.token_hex(3)
    sem = asyncio.Semaphore(concurrency)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as client:
        async def one(i: int) -> None:
            async with sem:
                body, headers = _signed(secret, run, i)
                async with client.post(url, data=body, headers=headers) as r:
                    r.raise_for_status()
                    await r.read()

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return n / (time.perf_counter() - started)


async def insert_events(sessionmaker, n: int, tag: str) -> None:
    async with sessionmaker() as session:
        for i in range(n):
            record_event(session, "job.updated", resource_type="bench", resource_id=i,
                         data={"run": tag, "i": i, "title": "家庭保洁"}, public=True)
        await session.commit()


async def last_event_id(sessionmaker) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.coalesce(func.max(Event.id), 0)))


async def succeeded(sessionmaker, after_event_id: int) -> int:
    """Deliveries of this run's events that succeeded (a range on the event id: polling this
    every 50 ms must cost the database little, or it would slow what it measures)."""
    async with sessionmaker() as session:
        return await session.scalar(
            select(func.count()).select_from(WebhookDelivery)
            .where(WebhookDelivery.event_id > after_event_id,
                   WebhookDelivery.status == "succeeded")
        )


async def one_run(sessionmaker, env: dict, k: int, n: int, concurrency: int,
                  client: str = "aiohttp") -> dict:
    module = "app.cli dispatch" if client == "aiohttp" else "bench.httpx_dispatch"
    procs = [
        subprocess.Popen(  # noqa: ASYNC220 - the benchmark's own child processes
            [sys.executable, "-m", *module.split(), "--concurrency", str(concurrency)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for _ in range(k)
    ]
    try:
        await asyncio.sleep(3)  # imports and first poll: not part of the measurement
        tag = secrets.token_hex(4)
        after = await last_event_id(sessionmaker)
        started = time.perf_counter()
        await insert_events(sessionmaker, n, tag)
        while (done := await succeeded(sessionmaker, after)) < n:
            if time.perf_counter() - started > 300:
                raise RuntimeError(f"only {done}/{n} delivered after 300 s")
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)
    return {"dispatchers": k, "client": client, "events": n, "seconds": round(elapsed, 3),
            "per_second": round(n / elapsed, 1), "loadavg_1m": os.getloadavg()[0]}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "GIGMARKET_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument("--only", nargs="*", default=None,
                        help="run only the configurations whose label contains one of these")
    parser.add_argument("--httpx-concurrency", type=int, default=32,
                        help="the httpx rows (its pool slows past ~32 in flight)")
    args = parser.parse_args()

    name = f"hooks_bench_webhooks_{os.getpid()}"
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

        load_before = os.getloadavg()
        configs = [
            ("anchor: bare httpx POSTs, no database", "anchor_httpx", 0, "httpx"),
            ("anchor: bare aiohttp POSTs, no database", "anchor_aiohttp", 0, "aiohttp"),
            ("before: 1 dispatcher, httpx client", "dispatch", 1, "httpx"),
            ("after: 1 dispatcher, aiohttp client", "dispatch", 1, "aiohttp"),
            ("after: 2 dispatchers, aiohttp client", "dispatch", 2, "aiohttp"),
        ]
        if args.only:
            configs = [c for c in configs if any(o in c[0] for o in args.only)]
        rows = [{"config": c[0], "runs": [], "detail": []} for c in configs]
        for _ in range(args.runs):
            for row, (_label, kind, k, client) in zip(rows, configs, strict=True):
                conc = args.httpx_concurrency if client == "httpx" else args.concurrency
                row["concurrency"] = conc
                if kind == "anchor_httpx":
                    row["runs"].append(round(await anchor_httpx(receiver_url, args.events,
                                                                conc), 1))
                elif kind == "anchor_aiohttp":
                    row["runs"].append(round(await anchor_aiohttp(receiver_url, args.events,
                                                                  conc), 1))
                else:
                    r = await one_run(sessionmaker, env, k, args.events, conc, client)
                    row["runs"].append(r["per_second"])
                    row["detail"].append(r)
        load_after = os.getloadavg()
        stats = httpx.get(f"http://127.0.0.1:{port}/stats").json()  # noqa: ASYNC210
        await engine.dispose()
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)
        await pg(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    medians = {row["config"]: statistics.median(row["runs"]) for row in rows}
    first = next(iter(medians.values()))
    before = medians.get("before: 1 dispatcher, httpx client", first)
    anchor = medians.get("anchor: bare aiohttp POSTs, no database", first)
    print(f"\nWebhook deliveries per second, {args.events} events per run, {args.runs} runs "
          f"(interleaved), {os.cpu_count()} CPUs, load average {load_before[0]:.2f} before / "
          f"{load_after[0]:.2f} after")
    print(f"{'configuration':40} {'conc':>4} {'median/s':>9} {'min':>8} {'max':>8} "
          f"{'vs before':>10} {'vs aiohttp anchor':>18}")
    for row in rows:
        med = medians[row["config"]]
        row["median"] = round(med, 1)
        row["ratio_to_before"] = round(med / before, 3)
        row["ratio_to_aiohttp_anchor"] = round(med / anchor, 3)
        print(f"{row['config']:40} {row['concurrency']:4d} {med:9.1f} {min(row['runs']):8.1f} "
              f"{max(row['runs']):8.1f} {row['ratio_to_before']:10.2f} "
              f"{row['ratio_to_aiohttp_anchor']:18.2f}")
    duplicates = stats["count"] - stats["unique"]
    print(f"receiver: {stats['count']} POSTs, {stats['unique']} distinct webhook-ids, "
          f"{duplicates} duplicates")
    out = ROOT / "bench" / "results" / f"webhooks-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps({
        "benchmark": "webhooks", "at": datetime.now(UTC).isoformat(), "events": args.events,
        "runs": args.runs, "concurrency": args.concurrency, "cpus": os.cpu_count(),
        "loadavg_before": load_before, "loadavg_after": load_after,
        "rows": rows, "receiver": stats, "duplicate_posts": duplicates,
    }, indent=2, ensure_ascii=False))
    print(out)


if __name__ == "__main__":
    asyncio.run(main())
