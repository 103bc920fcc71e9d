"""Statistics at city scale: /v1/stats overview and timeseries on PostgreSQL with ~1M workers
and ~1M postings, in one run: the roll-up path (per-posting facts from `gigmarket stats-sweep`,
the "after": the daily roll-up `stats_days`, or the per-posting facts where a filter is not one
of its dimensions), the per-posting facts alone (the previous roll-up), the raw-rows SQL path
(every posting derived from its engagements, applications and offers on each call), and for the
30-day city-wide cases a baseline that loads the rows into Python. Every answer is compared with
the raw path's (identical figures). The last case changes 2,000 postings after the sweep, so the
roll-ups are read corrected for them.

    python bench/stats.py [--workers 1000000] [--jobs 1000000] [--runs 6] [--keep]
                          [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

The data is made by set-based SQL (generate_series), not app/seed.py: a year of postings over
Chongqing's 38 districts, three employment types and four wage units; hires on 60 % of them
(a second hire on 1 in 15), applications on 40 %, unpaid wages on 1 in 20 hires. Rows go in
in publication order, as a live system writes them (the physical order follows the time
columns, which is what range scans on published_at and created_at meet). Each figure is
timed as the median of --runs runs after one warm-up; the baseline's figures are compared with
the SQL ones so the speed-up is between two answers that agree.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text, update
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.auth.principal import Principal, Role  # noqa: E402
from app.db import make_engine, make_sessionmaker  # noqa: E402
from app.markets.metrics import FILLED_STATUSES  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.reference.taxonomy import districts, taxonomy  # noqa: E402
from app.stats import service  # noqa: E402
from app.stats.models import StatsRollupState  # noqa: E402
from app.stats.rollup import sweep  # noqa: E402
from app.stats.schemas import Filters  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
ADMIN = Principal(key_id=0, role=Role.admin, scopes=frozenset({"*"}))


def _array(values) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"


def fill_sql(workers: int, jobs: int) -> list[str]:
    dist = _array(sorted(districts()))
    skills = _array(sorted(s.code for s in taxonomy().skills))
    return [
        "SELECT setseed(0.42)",
        """INSERT INTO employers (id, name, credit_code, kind, verification_status, version,
               created_at, updated_at)
           SELECT g, '重庆雇主' || g, '91' || lpad(g::text, 16, '0'), 'employer', 'verified', 1, now(), now()
           FROM generate_series(1, 2000) g""",
        f"""INSERT INTO markets (id, name, scale, district_code, version, created_at, updated_at)
           SELECT g, '零工市场' || g, 'market', ({dist})[1 + g % 38], 1, now(), now()
           FROM generate_series(1, 50) g""",
        f"""INSERT INTO jobs (id, employer_id, title, description, employment_type, headcount,
               lat, lng, address, district_code, starts_at, ends_at, shifts, wage_amount,
               wage_unit, wage_settlement, req_certificates, urgent, status,
               registered_by_market_id, published_at, version, created_at, updated_at)
           SELECT g, 1 + g % 2000, '岗位' || g, '', (ARRAY['part_time','temporary','seasonal'])[1 + g % 3],
               1 + g % 3, 29.5, 106.5, '重庆市', ({dist})[1 + (g * 7) % 38],
               pub + interval '1 day', pub + interval '1 day 8 hours', '[]',
               CASE g % 4 WHEN 0 THEN 2200 + (g % 2800) WHEN 1 THEN 17600 + (g % 22400)
                          WHEN 2 THEN 100 + (g % 1900) ELSE 223000 + (g % 577000) END,
               (ARRAY['hour','day','piece','month'])[1 + g % 4], 'daily', '[]', false,
               CASE g % 5 WHEN 0 THEN 'open' WHEN 1 THEN 'closed' ELSE 'filled' END,
               CASE WHEN g % 10 = 0 THEN 1 + g % 50 END, pub, 1, pub, pub
           FROM (SELECT g, now() - interval '365 days' * (1 - g::float / {jobs})
                           - random() * interval '1 hour' AS pub
                 FROM generate_series(1, {jobs}) g) s""",
        f"""INSERT INTO job_skills (job_id, position, raw, skill_code, similarity)
           SELECT g, 0, 'skill', ({skills})[1 + g % {len(taxonomy().skills)}], 100
           FROM generate_series(1, {jobs}) g""",
        f"""INSERT INTO workers (id, name, phone, birth_date, gender, certificates, home_lat,
               home_lng, district_code, max_travel_km, target_groups, hukou_chongqing, status,
               registered_by_market_id, version, created_at, updated_at)
           SELECT g, '工人' || g, '13900000000', date '1970-01-01' + (g % 15000),
               CASE WHEN g % 2 = 0 THEN 'male' ELSE 'female' END, '[]', 29.5, 106.5,
               ({dist})[1 + (g * 11) % 38], 10,
               (CASE g % 10 WHEN 0 THEN '["dibao"]' WHEN 1 THEN '["graduate"]'
                 WHEN 2 THEN '["poverty_alleviated", "age_4050"]'
                 WHEN 3 THEN '["zero_employment_family"]' ELSE '[]' END)::json,
               g % 3 = 0, CASE WHEN g % 40 = 0 THEN 'inactive' ELSE 'active' END,
               CASE WHEN g % 20 = 0 THEN 1 + g % 50 END, 1, now(), now()
           FROM generate_series(1, {workers}) g""",
        # Hires: one on 60 % of postings, a second on 1 in 15; 1 in 20 cancelled, 1 in 20 owing.
        f"""INSERT INTO engagements (job_id, worker_id, employer_id, status, starts_at, ends_at,
               hired_at, pay_due_fen, paid_fen, due_date, version, created_at, updated_at)
           SELECT j.id, 1 + (j.id * 13 + n) % {workers}, j.employer_id,
               CASE j.id % 20 WHEN 0 THEN 'cancelled_by_worker' WHEN 1 THEN 'completed'
                    ELSE 'paid' END,
               j.starts_at, j.ends_at, h, 20000, CASE WHEN j.id % 20 = 1 THEN 5000 ELSE 20000 END,
               (j.starts_at + interval '2 days')::date, 1, h, h
           FROM jobs j, LATERAL (SELECT n, j.published_at + random() * interval '72 hours'
                                   + n * interval '2 hours' AS h
                                 FROM generate_series(0, CASE WHEN j.id % 15 = 2 THEN 1 ELSE 0 END) n) x
           WHERE j.id % 5 IN (2, 3, 4)""",
        f"""INSERT INTO applications (job_id, worker_id, employer_id, status, version, created_at,
               updated_at)
           SELECT j.id, 1 + (j.id * 17) % {workers}, j.employer_id, 'pending', 1,
               j.published_at + random() * interval '48 hours', now()
           FROM jobs j WHERE j.id % 5 IN (1, 2)""",
        "ANALYZE",
    ]


async def fill(url: str, workers: int, jobs: int) -> float:
    engine = make_engine(url, 2)
    started = time.perf_counter()
    async with engine.begin() as conn:
        for statement in fill_sql(workers, jobs):
            await conn.execute(text(statement))
    await engine.dispose()
    return time.perf_counter() - started


async def baseline(session, f: Filters, interval: str | None) -> dict:
    """The same figures from rows loaded into Python (city-wide, no filters)."""
    since = datetime.combine(f.from_date, datetime.min.time(), SH)
    until = datetime.combine(f.to_date + timedelta(days=1), datetime.min.time(), SH)
    jobs = (await session.execute(text(
        "SELECT id, headcount, wage_amount, wage_unit, published_at FROM jobs "
        "WHERE published_at >= :a AND published_at < :b"), {"a": since, "b": until})).all()
    ids = [j.id for j in jobs]
    engagements = (await session.execute(text(
        "SELECT job_id, status, created_at, id FROM engagements "
        "WHERE job_id = ANY(:ids) OR (created_at >= :a AND created_at < :b)"),
        {"ids": ids, "a": since, "b": until})).all()
    contacts = (await session.execute(text(
        "SELECT job_id, created_at FROM applications WHERE job_id = ANY(:ids) "
        "UNION ALL SELECT job_id, created_at FROM offers WHERE job_id = ANY(:ids)"),
        {"ids": ids})).all()

    def key(moment: datetime) -> str:
        day = moment.astimezone(SH).date()
        if interval == "week":
            day -= timedelta(days=day.weekday())
        return day.isoformat() if interval else "all"

    hired: dict[int, list] = defaultdict(list)
    first: dict[int, datetime] = {}
    out: dict[str, dict] = defaultdict(lambda: {"postings": 0, "positions": 0, "hires": 0,
                                                 "filled": 0, "fill": [], "match": [],
                                                 "wage": defaultdict(list)})
    for e in sorted(engagements, key=lambda e: (e.created_at, e.id)):
        if e.status in FILLED_STATUSES:
            hired[e.job_id].append(e.created_at)
            if since <= e.created_at < until:
                out[key(e.created_at)]["hires"] += 1
        first[e.job_id] = min(first.get(e.job_id, e.created_at), e.created_at)
    for job_id, at in contacts:
        first[job_id] = min(first.get(job_id, at), at)
    for j in jobs:
        row = out[key(j.published_at)]
        row["postings"] += 1
        row["positions"] += j.headcount
        h = hired.get(j.id, [])
        row["filled"] += min(j.headcount, len(h))
        if len(h) >= j.headcount:
            row["fill"].append((h[j.headcount - 1] - j.published_at).total_seconds())
        if j.id in first:
            row["match"].append(max(0.0, (first[j.id] - j.published_at).total_seconds()))
        row["wage"][j.wage_unit].append(j.wage_amount)
    if not interval:  # the overview also counts workers by group and the arrears
        groups: dict[str, int] = defaultdict(int)
        for (groups_json,) in await session.execute(text(
                "SELECT target_groups FROM workers WHERE status = 'active'")):
            for g in groups_json:
                groups[g] += 1
        await session.execute(text(
            "SELECT pay_due_fen - paid_fen FROM engagements WHERE status IN "
            "('checked_out', 'completed') AND due_date < :d AND paid_fen < pay_due_fen"),
            {"d": f.to_date})
    return {k: {"postings": r["postings"], "hires": r["hires"], "filled_positions": r["filled"],
                "median_time_to_fill_seconds": statistics.median(r["fill"]) if r["fill"] else None,
                "median_time_to_first_match_seconds":
                    statistics.median(r["match"]) if r["match"] else None,
                "median_wage_by_unit": {u: statistics.median(v) for u, v in r["wage"].items()}}
            for k, r in out.items()}


def agrees(sql: dict, python: dict) -> bool:
    for k, expected in python.items():
        got = sql.get(k)
        if got is None:
            return False
        for name, value in expected.items():
            if isinstance(value, float):
                if abs(got[name] - value) > 0.01:
                    return False
            elif got[name] != value:
                return False
    return True


async def _workers_only(sessions, rollup: bool):
    async with sessions() as s:
        return await service._workers(s, Filters(from_date=date.today(), to_date=date.today()),
                                      rollup)


def sql_figures(out) -> dict:
    if hasattr(out, "buckets"):
        return {b.start_date.isoformat(): b.model_dump() for b in out.buckets if b.postings}
    return {"all": out.model_dump()}


async def timed(fn, runs: int) -> tuple[float, object]:
    await fn()  # warm-up: plans cached, pages in memory
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = await fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


async def timed_alternating(a, b, runs: int) -> tuple[tuple[float, object], ...]:
    """Both timed as `timed` does, their runs interleaved and the order swapped every round:
    whichever of two back-to-back calls goes second measured ~20% slower here, whatever it
    was, so blocks of runs would favour the first."""
    await a()
    await b()
    times: dict = {a: [], b: []}
    results: dict = {}
    for i in range(runs):
        for fn in ((a, b) if i % 2 == 0 else (b, a)):
            started = time.perf_counter()
            results[fn] = await fn()
            times[fn].append(time.perf_counter() - started)
    return tuple((statistics.median(times[fn]), results[fn]) for fn in (a, b))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--baseline-runs", type=int, default=3)
    parser.add_argument("--raw-runs", type=int, default=3,
                        help="runs of the raw-rows SQL path (slow at 365 days)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--reuse", default=None, metavar="DATABASE",
                        help="a database kept by --keep: migrate it, skip the fill, keep it")
    parser.add_argument("--database-url",
                        default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    import asyncpg

    name = args.reuse or f"hooks_bench_stats_{int(time.time())}"
    admin_dsn = make_url(args.database_url).set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(admin_dsn.render_as_string(hide_password=False))
    if not args.reuse:
        await conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(args.database_url).set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(upgrade, url)
        fill_s = None
        if not args.reuse:
            fill_s = await fill(url, args.workers, args.jobs)
            print(f"filled {args.workers:,} workers and {args.jobs:,} postings in {fill_s:.1f} s")
        engine = make_engine(url, 2)
        sessions = make_sessionmaker(engine)
        started = time.perf_counter()
        async with sessions() as s:
            # Margin 0: the steady state, where the sweep has seen everything written more than
            # a sweep interval ago (here everything was written seconds ago by the fill).
            await s.execute(update(StatsRollupState).values(watermark_at=None))  # full rebuild
            swept = await sweep(s, margin=timedelta(0))
            await s.commit()
        sweep_s = time.perf_counter() - started
        print(f"first sweep (every posting): {sweep_s:.1f} s, {swept}")
        groups_s, _ = await timed(lambda: _workers_only(sessions, False), args.runs)
        groups_rollup_s, _ = await timed(lambda: _workers_only(sessions, True), args.runs)
        today = datetime.now(SH).date()
        cases = [
            ("overview, 30 days", None, 30, {}),
            ("overview, 30 days, one district", None, 30, {"district_code": "500103"}),
            ("overview, 365 days", None, 365, {}),
            ("overview, 365 days, one district", None, 365, {"district_code": "500103"}),
            ("overview, 365 days, one market", None, 365, {"market_id": 11}),
            ("overview, 365 days, one skill", None, 365, {"skill": "agri.drone"}),
            ("timeseries by day, 30 days", "day", 30, {}),
            ("timeseries by week, 365 days", "week", 365, {}),
        ]
        # Last: 2,000 postings across the year changed since the sweep (a headcount each), so
        # every report corrects the roll-up for them (their old facts off, live figures on).
        cases.append(("overview, 365 days, 2,000 changed", None, 365, {}))
        rows = []
        for label, interval, days, extra in cases:
            if "changed" in label:
                async with sessions() as s:
                    await s.execute(text(
                        "UPDATE jobs SET headcount = headcount + 1, updated_at = now() "
                        f"WHERE id % {max(1, args.jobs // 2000)} = 0"))
                    await s.commit()
            f = Filters(from_date=today - timedelta(days=days - 1), to_date=today, **extra)

            async def sql_run(f=f, interval=interval, rollup=True, days=True):
                async with sessions() as s:
                    if interval:
                        return await service.timeseries(s, ADMIN, f, interval, rollup=rollup,
                                                        days=days)
                    return await service.overview(s, ADMIN, f, rollup=rollup, days=days)

            (sql_s, out), (facts_s, by_facts) = await timed_alternating(
                sql_run, lambda sql_run=sql_run: sql_run(days=False), args.runs)
            raw_s, raw = await timed(lambda sql_run=sql_run: sql_run(rollup=False),
                                     args.raw_runs)
            row = {"case": label, "days_median_s": round(sql_s, 3),
                   "facts_median_s": round(facts_s, 3), "raw_sql_median_s": round(raw_s, 3),
                   "ratio_to_facts": round(facts_s / sql_s, 1),
                   "ratio_to_raw": round(raw_s / sql_s, 1),
                   "identical_to_raw": out.model_dump() == raw.model_dump()
                   == by_facts.model_dump()}
            if not extra and days == 30:
                async def py_run(f=f, interval=interval):
                    async with sessions() as s:
                        return await baseline(s, f, interval)

                py_s, expected = await timed(py_run, args.baseline_runs)
                row.update(python_median_s=round(py_s, 3),
                           python_agrees=agrees(sql_figures(out), expected))
            rows.append(row)
            print(row)
        await engine.dispose()
    finally:
        if not (args.keep or args.reuse):
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()

    load = os.getloadavg()
    print(f"\n{args.jobs:,} postings, {args.workers:,} workers; medians of {args.runs} "
          f"(raw: {args.raw_runs}) after a warm-up; load average {load[0]:.2f}")
    print(f"{'case':36} {'days (s)':>9} {'facts (s)':>9} {'raw SQL (s)':>11} {'×facts':>6} "
          f"{'×raw':>5} {'identical':>9} {'Python (s)':>10}")
    for r in rows:
        print(f"{r['case']:36} {r['days_median_s']:>9.3f} {r['facts_median_s']:>9.3f} "
              f"{r['raw_sql_median_s']:>11.3f} {r['ratio_to_facts']:>6} {r['ratio_to_raw']:>5} "
              f"{r['identical_to_raw']!s:>9} {r.get('python_median_s', '—'):>10}")
    print(f"workers by target group alone (part of each overview): raw scan {groups_s:.3f} s, "
          f"roll-up {groups_rollup_s:.3f} s")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"stats-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps({
        "workers": args.workers, "jobs": args.jobs, "runs": args.runs,
        "baseline_runs": args.baseline_runs, "raw_runs": args.raw_runs,
        "fill_seconds": fill_s and round(fill_s, 1), "first_sweep_seconds": round(sweep_s, 1),
        "workers_by_group_seconds": round(groups_s, 3),
        "workers_by_group_rollup_seconds": round(groups_rollup_s, 3), "loadavg": load,
        "date": date.today().isoformat(), "results": rows,
    }, indent=2, ensure_ascii=False))
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
