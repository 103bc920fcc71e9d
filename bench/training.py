"""Training recommendations' ranking core (app.training.demand.rank_courses) on generated data,
beside a baseline that runs the matching rules for every course × posting pair (the plain
reading of "jobs the worker would newly qualify for"). Pure Python, no database: the core is
what grows with the number of courses and nearby postings.

    python bench/training.py [--jobs 5000] [--courses 200,1000] [--runs 5] [--seed 3]

Both answers are compared before timing; each figure is the median of --runs runs after one
warm-up. Results go to bench/results/training-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.matching import rules  # noqa: E402
from app.reference.taxonomy import taxonomy  # noqa: E402
from app.training.demand import NearbyJob, qualifies, rank_courses  # noqa: E402

CERTS = ("健康证", "电工证", "焊工证", "叉车证")


def generate(n_jobs: int, n_courses: int, seed: int):
    rng = random.Random(seed)
    codes = sorted(s.code for s in taxonomy().skills)[:60]
    start = datetime(2027, 3, 1, 1, tzinfo=UTC)
    jobs = []
    for i in range(n_jobs):
        s = start + timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 8))
        job = SimpleNamespace(
            id=i + 1, status="open", starts_at=s, ends_at=s + timedelta(hours=8), shifts=[],
            req_gender=rng.choice([None, None, "male", "female"]),
            req_min_age=rng.choice([None, None, 18]), req_max_age=rng.choice([None, None, 55]),
            req_certificates=rng.sample(CERTS, rng.choice([0, 0, 1])),
        )
        jobs.append(NearbyJob(facts=rules.job_facts(job), lat=29.5, lng=106.5, radius_km=None,
                              skill_codes=frozenset(rng.sample(codes, rng.choice([1, 1, 2])))))
    courses = [SimpleNamespace(id=i + 1, skill_codes=rng.sample(codes, rng.choice([1, 2, 3])),
                               certificate=rng.choice([None, None, *CERTS]))
               for i in range(n_courses)]
    worker = rules.WorkerFacts(id=1, status="active", birth_date=date(1985, 6, 1), gender="female",
                               certificates=frozenset({"健康证"}), availability=None)
    return worker, frozenset(rng.sample(codes, 3)), jobs, courses


def pairwise(worker, skill_codes, jobs, courses, limit):
    """Baseline: the rules for every course × posting."""
    ranked = []
    for course in courses:
        gained = frozenset(course.skill_codes) - skill_codes
        cert = course.certificate if course.certificate not in worker.certificates else None
        if not gained and cert is None:
            continue
        after = dataclasses.replace(worker, certificates=worker.certificates | (
            {cert} if cert else set()))
        new = sorted(j.facts.id for j in jobs if not qualifies(worker, skill_codes, j)
                     and qualifies(after, skill_codes | gained, j))
        if new:
            ranked.append((course, new))
    ranked.sort(key=lambda r: (-len(r[1]), r[0].id))
    return [(c.id, ids) for c, ids in ranked[:limit]]


def median_ms(fn, runs: int) -> float:
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=5000)
    ap.add_argument("--courses", default="200,1000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=3)
    args = ap.parse_args()
    rows = []
    for n_courses in (int(x) for x in args.courses.split(",")):
        worker, codes, jobs, courses = generate(args.jobs, n_courses, args.seed)
        core = [(r["course"].id, r["job_ids"])
                for r in rank_courses(worker, codes, jobs, courses, 50)]
        assert core == pairwise(worker, codes, jobs, courses, 50), "answers differ"
        data = (worker, codes, jobs, courses, 50)
        base = median_ms(lambda data=data: pairwise(*data), args.runs)
        mine = median_ms(lambda data=data: rank_courses(*data), args.runs)
        row = {"jobs": args.jobs, "courses": n_courses, "recommended": len(core),
               "baseline_pairwise_ms": round(base, 1), "rank_courses_ms": round(mine, 1),
               "speedup": round(base / mine, 1)}
        rows.append(row)
        print(json.dumps(row))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    path = out / f"training-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps({"bench": "training", "runs": args.runs, "seed": args.seed,
                                "date": date.today().isoformat(), "results": rows}, indent=2))
    print(path)


if __name__ == "__main__":
    main()
