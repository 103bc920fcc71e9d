"""The mixed workload of bench/load.py and its two drivers (open loop at a fixed arrival rate;
closed loop at a fixed concurrency).

Mix: 70% reads, 20% matches, 10% writes. While the matches endpoints are missing from the
server's OpenAPI document, their share goes to the reads closest to them (open jobs near a
worker's home; workers in a job's district) and the report says so.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import secrets
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp

SKILL_QUERIES = ["保洁", "家政", "清洁工", "水电工", "外卖骑手", "跑腿", "搬运", "服务员",
                 "月嫂", "护工", "快递", "装卸", "厨师", "促销", "普工", "电焊", "木工"]
TITLE_WORDS = ["保洁", "搬运", "配送", "促销", "装修", "帮厨", "分拣", "护理", "安保", "理货"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


@dataclass
class Data:
    """Ids and places from the seeded database that requests refer to."""

    job_ids: list[int]
    job_districts: dict[int, str]
    workers: list[tuple[int, float, float]]  # id, home lat, home lng
    employer_ids: list[int]
    districts: list[str]
    keys: list[str]


@dataclass
class Mix:
    data: Data
    has_matches: bool
    rng: random.Random = field(default_factory=lambda: random.Random(8))
    _keys: itertools.cycle = None

    # (kind, weight) — kinds starting with "match" are the 20%; "write_" the 10%.
    WEIGHTS = (
        ("read_jobs_list", 20), ("read_job", 14), ("read_worker", 12), ("read_workers_list", 6),
        ("read_skills_search", 8), ("read_markets", 5), ("read_districts", 5),
        ("match_job", 10), ("match_worker", 10),
        ("write_job", 4), ("write_worker", 3), ("write_apply", 3),
    )

    def __post_init__(self) -> None:
        self._keys = itertools.cycle(self.data.keys)
        self.kinds = [k for k, _ in self.WEIGHTS]
        self.weights = [w for _, w in self.WEIGHTS]

    def next(self) -> tuple[str, str, str, dict | None, dict]:
        """(kind, method, url, json body, headers) for the next request."""
        kind = self.rng.choices(self.kinds, self.weights)[0]
        headers = {"Authorization": f"Bearer {next(self._keys)}"}
        method, url, body = getattr(self, kind)()
        if method == "POST":
            headers["Idempotency-Key"] = secrets.token_hex(12)
        return kind, method, url, body, headers

    # -- reads ---------------------------------------------------------------------------
    def read_jobs_list(self):
        params = "status=open&limit=20"
        if self.rng.random() < 0.6:
            params += f"&district_code={self.rng.choice(self.data.districts)}"
        return "GET", f"/v1/jobs?{params}", None

    def read_job(self):
        return "GET", f"/v1/jobs/{self.rng.choice(self.data.job_ids)}", None

    def read_worker(self):
        return "GET", f"/v1/workers/{self.rng.choice(self.data.workers)[0]}", None

    def read_workers_list(self):
        return "GET", f"/v1/workers?district_code={self.rng.choice(self.data.districts)}", None

    def read_skills_search(self):
        return "GET", f"/v1/skills?q={self.rng.choice(SKILL_QUERIES)}&limit=10", None

    def read_markets(self):
        return "GET", "/v1/markets?limit=20", None

    def read_districts(self):
        return "GET", "/v1/districts", None

    # -- matches (or their stand-ins) ----------------------------------------------------
    def match_job(self):
        job_id = self.rng.choice(self.data.job_ids)
        if self.has_matches:
            return "GET", f"/v1/jobs/{job_id}/matches?limit=20", None
        district = self.data.job_districts[job_id]
        return "GET", f"/v1/workers?district_code={district}&limit=20", None

    def match_worker(self):
        worker_id, lat, lng = self.rng.choice(self.data.workers)
        if self.has_matches:
            return "GET", f"/v1/workers/{worker_id}/matches?limit=20", None
        return "GET", f"/v1/jobs?status=open&near={lat:.5f},{lng:.5f}&radius_km=10&limit=20", None

    # -- writes --------------------------------------------------------------------------
    def write_job(self):
        _id, lat, lng = self.rng.choice(self.data.workers)  # somewhere people live
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(
            days=self.rng.randint(2, 20), hours=self.rng.randint(0, 8))
        word = self.rng.choice(TITLE_WORDS)
        return "POST", "/v1/jobs", {
            "employer_id": self.rng.choice(self.data.employer_ids),
            "title": f"{word}{secrets.token_hex(4)}号岗{self.rng.randint(1, 999)}",
            "description": "压测岗位：按时到岗，现场有人带班。",
            "employment_type": "temporary", "skills": [word], "headcount": 3,
            "location": {"lat": round(lat + self.rng.uniform(-0.05, 0.05), 5),
                         "lng": round(lng + self.rng.uniform(-0.05, 0.05), 5),
                         "address": "重庆市压测路1号"},
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=8)).isoformat(),
            "wage": {"amount": self.rng.randint(2500, 5000), "unit": "hour",
                     "settlement": "daily"},
        }

    def write_worker(self):
        _id, lat, lng = self.rng.choice(self.data.workers)
        return "POST", "/v1/workers", {
            "name": self.rng.choice(SURNAMES) + "压测",
            "phone": f"139{self.rng.randint(0, 99999999):08d}",
            "birth_date": f"{self.rng.randint(1965, 2004)}-0{self.rng.randint(1, 9)}-1{self.rng.randint(0, 9)}",
            "gender": self.rng.choice(["male", "female"]),
            "skills": [{"name": self.rng.choice(SKILL_QUERIES), "years": self.rng.randint(0, 20)}],
            "home_location": {"lat": round(lat, 5), "lng": round(lng, 5)},
            "max_travel_km": self.rng.choice([5, 10, 20]),
        }

    def write_apply(self):
        job_id = self.rng.choice(self.data.job_ids)
        worker_id = self.rng.choice(self.data.workers)[0]
        return "POST", f"/v1/jobs/{job_id}/applications", {
            "worker_id": worker_id, "message": "可以按时到岗"}


@dataclass
class Step:
    mode: str  # open | closed
    target: float  # arrivals per second (open) or concurrency (closed)
    seconds: float
    latencies: list[float] = field(default_factory=list)  # ms, successful and not
    statuses: dict[str, int] = field(default_factory=dict)  # "2xx", "4xx", "5xx", "failed"
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    wall: float = 0.0
    loadgen_cpu: float = 0.0  # seconds of this process's CPU

    def record(self, kind: str, status: int | None, ms: float) -> None:
        self.latencies.append(ms)
        self.by_kind.setdefault(kind, []).append(ms)
        label = "failed" if status is None else f"{status // 100}xx"
        self.statuses[label] = self.statuses.get(label, 0) + 1

    @property
    def errors(self) -> int:
        """5xx, timeouts and failed connections; 4xx are counted apart (the mix avoids them)."""
        return self.statuses.get("5xx", 0) + self.statuses.get("failed", 0)

    def summary(self) -> dict:
        n = len(self.latencies)
        q = statistics.quantiles(self.latencies, n=100, method="inclusive") if n > 1 else [0] * 99
        return {
            "mode": self.mode, "target": self.target, "seconds": round(self.wall, 1),
            "requests": n, "rps": round(n / self.wall, 1) if self.wall else 0.0,
            "p50_ms": round(q[49], 1), "p95_ms": round(q[94], 1), "p99_ms": round(q[98], 1),
            "errors": self.errors, "error_rate": round(self.errors / n, 5) if n else 0.0,
            "status_classes": dict(sorted(self.statuses.items())),
            "loadgen_cpu_share": round(self.loadgen_cpu / self.wall, 2) if self.wall else 0.0,
            "p99_ms_by_kind": {k: round(statistics.quantiles(v, n=100)[98], 1) if len(v) > 1
                               else round(v[0], 1) for k, v in sorted(self.by_kind.items())},
        }


async def _one(client: aiohttp.ClientSession, mix: Mix, step: Step, scheduled: float) -> None:
    kind, method, url, body, headers = mix.next()
    try:
        async with client.request(method, url, json=body, headers=headers) as r:
            await r.read()
            status = r.status
    except (aiohttp.ClientError, TimeoutError):
        status = None
    # From the scheduled moment, not the send: a lagging client must not hide queueing.
    step.record(kind, status, (time.perf_counter() - scheduled) * 1000)


async def open_loop(client: aiohttp.ClientSession, mix: Mix, rate: float, seconds: float) -> Step:
    """Poisson arrivals at `rate` per second for `seconds`, whatever the responses do."""
    step = Step("open", rate, seconds)
    rng = random.Random(int(rate * 1000))
    tasks: set[asyncio.Task] = set()
    cpu0, start = time.process_time(), time.perf_counter()
    at = start
    while True:
        at += rng.expovariate(rate)
        if at - start >= seconds:
            break
        delay = at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(_one(client, mix, step, at))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks)
    step.wall = time.perf_counter() - start
    step.loadgen_cpu = time.process_time() - cpu0
    return step


async def closed_loop(client: aiohttp.ClientSession, mix: Mix, concurrency: int,
                      seconds: float) -> Step:
    """`concurrency` clients, each sending its next request when the last one returns."""
    step = Step("closed", concurrency, seconds)
    cpu0, start = time.process_time(), time.perf_counter()

    async def user() -> None:
        while time.perf_counter() - start < seconds:
            await _one(client, mix, step, time.perf_counter())

    await asyncio.gather(*(user() for _ in range(concurrency)))
    step.wall = time.perf_counter() - start
    step.loadgen_cpu = time.process_time() - cpu0
    return step
