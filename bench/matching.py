"""Matching latency at scale: both match endpoints over HTTP on loopback, one uvicorn worker,
beside (a) the raw-SQL floor — the very retrieval query the service runs, timed alone, (b) a
naive baseline that loads every worker and scores in Python, (c) a PostGIS ST_DWithin peer
when the extension is installed; plus SQLite at 100k workers and the staffing solver.

    python bench/matching.py                      # 1M workers / 100k jobs (PostgreSQL)
    python bench/matching.py --workers 100000 --jobs 10000 --sqlite-workers 20000   # quicker

Seeds a fresh PostgreSQL database (dropped at the end), prints a table, writes JSON to
bench/results/. Needs PostgreSQL at --database-url (default: 127.0.0.1:5432, user postgres).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import httpx
import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.auth.principal import Role  # noqa: E402
from app.auth.service import create_key  # noqa: E402
from app.db import make_engine, make_sessionmaker  # noqa: E402
from app.jobs.models import Job  # noqa: E402
from app.matching.assign import Slotted, solve  # noqa: E402
from app.matching.candidates import statement, worker_ranges  # noqa: E402
from app.matching.keys import UNCODED  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.seed import seed  # noqa: E402
from app.workers.models import Worker  # noqa: E402
from bench.webhooks import free_port, pg, wait_http  # noqa: E402

SECRET_KEY = "bench-secret"


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else math.nan


def summary(ms: list[float]) -> dict:
    return {"n": len(ms), "p50_ms": pct(ms, 50), "p95_ms": pct(ms, 95), "p99_ms": pct(ms, 99)}


async def prepare(url: str, workers: int, jobs: int) -> tuple[str, list[int], list[int]]:
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    sm = make_sessionmaker(engine)
    async with sm() as session:
        have = (await session.execute(select(func.count()).select_from(Worker))).scalar_one()
    if have < workers:  # a kept database (--db) is seeded once
        t = time.perf_counter()
        await seed(sm, workers=workers - have, jobs=jobs, seed_value=7)
        print(f"  seeded {workers} workers, {jobs} jobs in {time.perf_counter() - t:.0f} s",
              flush=True)
    if url.startswith("postgresql"):
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    async with sm() as session:
        _row, key = await create_key(session, SECRET_KEY.encode(), role=Role.admin, name="bench")
        await session.commit()
        rng = random.Random(3)
        job_ids = list(await session.scalars(select(Job.id).where(Job.status == "open")))
        worker_ids = list(await session.scalars(select(Worker.id)))
    await engine.dispose()
    return key, rng.sample(job_ids, min(len(job_ids), 2000)), rng.sample(worker_ids, min(len(worker_ids), 2000))


async def db_exists(admin_url: str, name: str) -> bool:
    import asyncpg

    u = make_url(admin_url).set(drivername="postgresql")
    conn = await asyncpg.connect(u.render_as_string(hide_password=False))
    try:
        return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


def start_bare(url: str) -> tuple[subprocess.Popen, str]:
    """The anchor: bench/bare_matches.py under one uvicorn worker."""
    port = free_port()
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.bare_matches:app", "--port", str(port),
         "--workers", "1", "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "BARE_DSN": dsn},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/docs", timeout=60)
    return proc, base


async def bare_run(url: str, job_ids, n: int, concurrency: int) -> dict:
    proc, base = start_bare(url)
    try:
        paths = [f"/jobs/{i}" for i in job_ids[:n]]
        lat, _ = await latencies(base, "none", paths, items=False)
        rps = await throughput(base, "none", paths, concurrency)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {**summary(lat), "rps": rps}


def start_api(url: str, extra_env: dict | None = None,
              tree: Path = ROOT) -> tuple[subprocess.Popen, str, float]:
    """One uvicorn worker of the app in `tree` (another checkout: the "before" code), and the
    seconds from its start to /readyz answering 200 (the match index loaded)."""
    port = free_port()
    env = {**os.environ, **(extra_env or {}), "GIGMARKET_DATABASE_URL": url,
           "GIGMARKET_SECRET_KEY": SECRET_KEY,
           "GIGMARKET_RATE_LIMIT_PER_KEY": "100000000/minute",
           "GIGMARKET_RATE_LIMIT_PER_ADDRESS": "100000000/minute",
           "GIGMARKET_LOG_LEVEL": "WARNING", "GIGMARKET_DISPATCHER_IN_PROCESS": "false",
           "PYTHONPATH": str(tree)}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--port", str(port),
         "--workers", "1", "--no-access-log", "--log-level", "warning"],
        cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/readyz", timeout=180, want_ok=True)  # the match index is loaded
    return proc, base, time.perf_counter() - started


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


# The load client is aiohttp: on two cores the client shares the CPU with the server and
# PostgreSQL, and httpx spent ~4x aiohttp's CPU per request here. Every variant and the bare
# anchor are measured with this same client.
def _client(base: str, key: str, concurrency: int = 1) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        base_url=base, headers={"Authorization": f"Bearer {key}"},
        timeout=aiohttp.ClientTimeout(total=600),
        connector=aiohttp.TCPConnector(limit=concurrency),
    )


async def latencies(base: str, key: str, paths: list[str],
                    items: bool = True) -> tuple[list[float], list[int]]:
    out, sizes = [], []
    async with _client(base, key) as client:
        for path in paths[:10]:  # warm-up
            async with client.get(path) as r:
                await r.read()
        for path in paths:
            t = time.perf_counter()
            async with client.get(path) as r:
                body = await r.read()
            out.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()
            if items:
                sizes.append(len(json.loads(body)["items"]))
    return out, sizes


async def throughput(base: str, key: str, paths: list[str], concurrency: int) -> float:
    queue = list(paths)
    async with _client(base, key, concurrency) as c:
        async def worker():
            while queue:
                async with c.get(queue.pop()) as r:
                    await r.read()
                    r.raise_for_status()

        t = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return len(paths) / (time.perf_counter() - t)


async def job_specs(url: str, job_ids: list[int]) -> list[Job]:
    from sqlalchemy.orm import selectinload

    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        jobs = list(await session.scalars(
            select(Job).options(selectinload(Job.skills)).where(Job.id.in_(job_ids))
        ))
    await engine.dispose()
    return jobs


async def floor_sql(url: str, jobs: list[Job]) -> list[float]:
    """The service's own retrieval statement per job (same SQL text, same parameters),
    executed through SQLAlchemy and fetched, nothing else."""
    engine = make_engine(url)
    out = []
    async with engine.connect() as conn:
        for job in jobs[:10]:  # warm-up: prepared statements, caches (as the API has had)
            keys = sorted({s.skill_code or UNCODED for s in job.skills})
            stmt, params = statement(conn.dialect.name, "workers", worker_ranges(
                keys, job.lat, job.lng, min(job.radius_km or math.inf, 200.0)))
            (await conn.execute(stmt, params)).all()
        for job in jobs:
            keys = sorted({s.skill_code or UNCODED for s in job.skills})
            stmt, params = statement(conn.dialect.name, "workers", worker_ranges(
                keys, job.lat, job.lng, min(job.radius_km or math.inf, 200.0)))
            t = time.perf_counter()
            (await conn.execute(stmt, params)).all()
            out.append((time.perf_counter() - t) * 1000)
    await engine.dispose()
    return out


async def floor_sql_jobs(url: str, worker_ids: list[int]) -> list[float]:
    """The worker → jobs retrieval statement per worker, alone (as floor_sql)."""
    from sqlalchemy.orm import selectinload

    from app.matching.candidates import job_ranges

    engine = make_engine(url)
    out = []
    async with make_sessionmaker(engine)() as session:
        workers = list(await session.scalars(
            select(Worker).options(selectinload(Worker.skills)).where(Worker.id.in_(worker_ids))
        ))
        conn = await session.connection()
        for i, w in enumerate(workers):
            keys = sorted({s.skill_code or UNCODED for s in w.skills})
            stmt, params = statement(conn.dialect.name, "jobs", job_ranges(
                keys, w.home_lat, w.home_lng, w.max_travel_km))
            t = time.perf_counter()
            (await conn.execute(stmt, params)).all()
            if i >= 10:  # the first ones warm up
                out.append((time.perf_counter() - t) * 1000)
    await engine.dispose()
    return out


async def naive(url: str, jobs: list[Job]) -> list[float]:
    """Loads every active worker with its skills and scores each in a Python loop."""
    from app.common.geo import haversine_km

    engine = make_engine(url)
    out = []
    async with engine.connect() as conn:
        for job in jobs:
            codes = {s.skill_code for s in job.skills}
            t = time.perf_counter()
            rows = (await conn.execute(text(
                "SELECT w.id, w.home_lat, w.home_lng, w.max_travel_km, w.reliability, s.skill_code "
                "FROM workers w JOIN worker_skills s ON s.worker_id = w.id "
                "WHERE w.status = 'active'"))).all()
            best: dict[int, float] = {}
            for wid, lat, lng, travel, rel, code in rows:
                if code not in codes:
                    continue
                d = haversine_km(job.lat, job.lng, lat, lng)
                if d <= travel:
                    best[wid] = 0.35 + 0.25 * (1 - d / travel) + 0.15 * rel
            sorted(best.items(), key=lambda p: (-p[1], p[0]))[:20]
            out.append((time.perf_counter() - t) * 1000)
    await engine.dispose()
    return out


async def postgis_peer(url: str, jobs: list[Job]) -> dict | None:
    """ST_DWithin on a geography expression index + ORDER BY distance in SQL."""
    engine = make_engine(url)
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        have = await conn.scalar(text(
            "SELECT count(*) FROM pg_available_extensions WHERE name = 'postgis'"))
        if not have:
            await engine.dispose()
            return None
        await conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        await conn.execute(text(
            "CREATE INDEX IF NOT EXISTS bench_workers_geog ON workers USING gist "
            "((ST_SetSRID(ST_MakePoint(home_lng, home_lat), 4326)::geography))"))
        await conn.execute(text("ANALYZE workers"))
        out = []
        for job in jobs:
            codes = [s.skill_code for s in job.skills if s.skill_code]
            t = time.perf_counter()
            await conn.execute(text(
                "SELECT w.id, ST_Distance(g, p) AS d FROM workers w "
                "CROSS JOIN LATERAL (SELECT (ST_SetSRID(ST_MakePoint(w.home_lng, w.home_lat), 4326)"
                "::geography) AS g) x, (SELECT ST_SetSRID(ST_MakePoint(:lng, :lat), 4326)::geography AS p) q "
                "WHERE ST_DWithin((ST_SetSRID(ST_MakePoint(w.home_lng, w.home_lat), 4326)::geography), p, "
                "LEAST(w.max_travel_km, 200) * 1000) AND ST_DWithin((ST_SetSRID(ST_MakePoint(w.home_lng, "
                "w.home_lat), 4326)::geography), p, 200000) AND w.status = 'active' AND EXISTS (SELECT 1 FROM "
                "worker_skills s WHERE s.worker_id = w.id AND s.skill_code = ANY(:codes)) "
                "ORDER BY (1 - ST_Distance(g, p) / 1000 / w.max_travel_km) * 0.25 + w.reliability * 0.15 DESC, "
                "w.id LIMIT 20"), {"lat": job.lat, "lng": job.lng, "codes": codes})
            out.append((time.perf_counter() - t) * 1000)
    await engine.dispose()
    return summary(out)


def staffing_bench(runs: int = 5) -> dict:
    rng = np.random.default_rng(5)
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    from datetime import timedelta

    jobs = [Slotted(j, 10, t0, t0 + timedelta(hours=8)) for j in range(100)]  # one overlap group
    times, ok = [], True
    for _ in range(runs):
        cands = {}
        for j in range(100):
            chosen = rng.choice(1000, size=300, replace=False)
            cands[j] = [(int(w), float(s)) for w, s in zip(chosen, rng.random(300), strict=True)]
        t = time.perf_counter()
        plan, greedy_total, _m = solve(jobs, cands)
        times.append((time.perf_counter() - t) * 1000)
        ok &= sum(p[2] for p in plan) >= greedy_total - 1e-9
    return {"slots": 1000, "workers": 1000, "median_ms": statistics.median(times),
            "max_ms": max(times), "total_ge_greedy_every_run": bool(ok)}


# "before": this round's changes switched off in the same code (SQL retrieval for job → workers,
# the API key read on every request).
BEFORE_ENV = {"GIGMARKET_MATCH_MEMINDEX": "false", "GIGMARKET_KEY_CACHE_SECONDS": "0"}


async def api_run(url: str, key: str, job_ids, worker_ids, n: int, concurrency: int,
                  extra_env: dict | None = None, tree: Path = ROOT) -> dict:
    proc, base, ready_s = start_api(url, extra_env, tree)
    try:
        jpaths = [f"/v1/jobs/{i}/matches?limit=20" for i in job_ids[:n]]
        wpaths = [f"/v1/workers/{i}/matches?limit=20" for i in worker_ids[:n]]
        async with httpx.AsyncClient(base_url=base, timeout=600,
                                     headers={"Authorization": f"Bearer {key}"}) as c:
            t = time.perf_counter()  # loads the in-memory index if start-up did not
            (await c.get(jpaths[0])).raise_for_status()
            first_ms = (time.perf_counter() - t) * 1000
        rss_loaded = current_rss_mb(proc.pid)
        gl, _ = await latencies(base, key, [f"/v1/jobs/{i}" for i in job_ids[:n]], items=False)
        jl, jsizes = await latencies(base, key, jpaths)
        wl, wsizes = await latencies(base, key, wpaths)
        rps_j = await throughput(base, key, jpaths, concurrency)
        rps_w = await throughput(base, key, wpaths, concurrency)
        rss = peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"job_matches": {**summary(jl), "rps": rps_j, "mean_items": statistics.mean(jsizes)},
            "worker_matches": {**summary(wl), "rps": rps_w, "mean_items": statistics.mean(wsizes)},
            "get_job": summary(gl), "first_job_matches_ms": first_ms, "start_to_ready_s": ready_s,
            "api_rss_after_first_match_mb": rss_loaded, "api_peak_rss_mb": rss}


def git_head(tree: str) -> str:
    return subprocess.run(["git", "-C", tree, "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()


def current_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=1_000_000)
    ap.add_argument("--jobs", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--sqlite-workers", type=int, default=0, help="also SQLite at this size")
    ap.add_argument("--naive-requests", type=int, default=0)
    ap.add_argument("--database-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--db", help="keep the seeded PostgreSQL database under this name and reuse "
                    "it on the next run (name it match_bench_…)")
    ap.add_argument("--seed-only", action="store_true")
    ap.add_argument("--before-tree", help="a checkout of the code to compare with (e.g. a git "
                    "worktree of the previous release); default: this code with BEFORE_ENV")
    args = ap.parse_args()
    result: dict = {"args": vars(args), "at": datetime.now(UTC).isoformat(),
                    "load_average_at_start": list(os.getloadavg())}  # shared machine: context

    name = args.db or f"match_bench_{secrets.token_hex(3)}"
    if not args.db or not await db_exists(args.database_url, name):
        await pg(args.database_url, f'CREATE DATABASE "{name}"')
    url = make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
    try:
        print("PostgreSQL:", flush=True)
        key, job_ids, worker_ids = await prepare(url, args.workers, args.jobs)
        if args.seed_only:
            return
        result["postgresql"] = await api_run(url, key, job_ids, worker_ids, args.requests,
                                             args.concurrency)
        print("  after: done", flush=True)
        if args.before_tree:  # the code before this round, from another checkout
            result["before"] = await api_run(url, key, job_ids, worker_ids, args.requests,
                                             args.concurrency, tree=Path(args.before_tree))
            result["before_commit"] = git_head(args.before_tree)
        else:
            result["before"] = await api_run(url, key, job_ids, worker_ids, args.requests,
                                             args.concurrency, BEFORE_ENV)
        print("  before: done", flush=True)
        result["bare"] = await bare_run(url, job_ids, args.requests, args.concurrency)
        jobs = await job_specs(url, job_ids[:args.requests])
        result["floor_sql"] = summary(await floor_sql(url, jobs))
        result["floor_sql_jobs"] = summary(await floor_sql_jobs(url, worker_ids[:args.requests]))
        if args.naive_requests:
            result["naive"] = summary(await naive(url, jobs[:args.naive_requests]))
        result["postgis"] = await postgis_peer(url, jobs[:100])
    finally:
        if not args.db:
            await pg(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    result["sqlite"] = None
    print("SQLite:", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        surl = f"sqlite+aiosqlite:///{tmp}/bench.db"
        if args.sqlite_workers:
            key, job_ids, worker_ids = await prepare(surl, args.sqlite_workers,
                                                     max(1000, args.sqlite_workers // 10))
            result["sqlite"] = await api_run(surl, key, job_ids, worker_ids,
                                             min(args.requests, 200), args.concurrency)
    result["staffing"] = staffing_bench()
    report(result)
    out = ROOT / "bench" / "results" / f"matching-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"\nwrote {out.relative_to(ROOT)}")


TARGETS = {"job_matches": (8.0, 25.0, 150.0), "worker_matches": (6.0, 15.0, 250.0)}


def report(r: dict) -> None:
    after, before = r["postgresql"], r["before"]
    floor, wfloor, bare = r["floor_sql"], r["floor_sql_jobs"], r["bare"]
    print(f"\n{r['args']['workers']:,} workers / {r['args']['jobs']:,} jobs, PostgreSQL, "
          f"1 uvicorn worker, HTTP on loopback; load average at start {r['load_average_at_start']}")
    c = r["args"]["concurrency"]
    print(f"{'measure':50} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'rps@' + str(c):>8}")
    rows = [
        ("GET /v1/jobs/{id}/matches (after)", after["job_matches"]),
        ("GET /v1/jobs/{id}/matches (before)", before["job_matches"]),
        ("GET /v1/workers/{id}/matches (after)", after["worker_matches"]),
        ("GET /v1/workers/{id}/matches (before)", before["worker_matches"]),
        ("GET /v1/jobs/{id} (after)", after["get_job"]),
        ("GET /v1/jobs/{id} (before)", before["get_job"]),
        ("anchor: job → workers retrieval SQL alone", floor),
        ("anchor: worker → jobs retrieval SQL alone", wfloor),
        ("anchor: bare FastAPI + asyncpg, same job SQL", bare),
    ]
    if r.get("naive"):
        rows.append(("naive: load all workers, score in Python", r["naive"]))
    if r.get("sqlite"):
        rows.append((f"SQLite {r['args']['sqlite_workers']:,}: job matches",
                     r["sqlite"]["job_matches"]))
        rows.append(("SQLite: worker matches", r["sqlite"]["worker_matches"]))
    for label, m in rows:
        rps = f"{m['rps']:8.0f}" if "rps" in m else " " * 8
        print(f"{label:50} {m['p50_ms']:8.1f} {m['p95_ms']:8.1f} {m['p99_ms']:8.1f} {rps}")
    jm, wm = after["job_matches"], after["worker_matches"]
    print(f"job matches / SQL floor (p50, p95): {jm['p50_ms'] / floor['p50_ms']:.2f}×, "
          f"{jm['p95_ms'] / floor['p95_ms']:.2f}×; / bare anchor: {jm['p50_ms'] / bare['p50_ms']:.2f}×, "
          f"{jm['p95_ms'] / bare['p95_ms']:.2f}×; rps {jm['rps'] / bare['rps']:.2f}× the bare anchor's")
    print(f"worker matches / its SQL floor (p50): {wm['p50_ms'] / wfloor['p50_ms']:.2f}×")
    for name, m in (("job_matches", jm), ("worker_matches", wm)):
        p50, p95, rps = TARGETS[name]
        print(f"target {name}: p50 {m['p50_ms']:.1f}/{p50} p95 {m['p95_ms']:.1f}/{p95} "
              f"rps {m['rps']:.0f}/{rps:.0f}")
    print(f"start to ready (index loaded at start-up): {after['start_to_ready_s']:.1f} s; "
          f"first job match: {after['first_job_matches_ms']:.0f} ms; "
          f"API RSS after it {after['api_rss_after_first_match_mb']:.0f} MB, peak "
          f"{after['api_peak_rss_mb']:.0f} MB (before: peak {before['api_peak_rss_mb']:.0f} MB)")
    if r.get("staffing"):
        s = r["staffing"]
        print(f"staffing {s['slots']} slots × {s['workers']} workers: median {s['median_ms']:.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
