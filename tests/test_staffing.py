"""Staffing plans: the pure solver (property-tested against greedy) and the endpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from app.matching.assign import Slotted, overlap_groups, solve
from tests.conftest import auth
from tests.engagements_fixtures import job_at, shanghai

T0 = datetime(2026, 12, 1, tzinfo=UTC)


@st.composite
def problems(draw):
    n_jobs = draw(st.integers(1, 6))
    jobs = []
    for j in range(n_jobs):
        start = T0 + timedelta(hours=draw(st.integers(0, 30)))
        jobs.append(Slotted(j + 1, draw(st.integers(0, 3)), start,
                            start + timedelta(hours=draw(st.integers(1, 12)))))
    workers = list(range(100, 100 + draw(st.integers(0, 8))))
    cands = {}
    for job in jobs:
        chosen = draw(st.lists(st.sampled_from(workers), unique=True)) if workers else []
        cands[job.job_id] = [(w, draw(st.floats(0.01, 1))) for w in chosen]
    return jobs, cands


def _overlap(a: Slotted, b: Slotted) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


@settings(max_examples=500, deadline=None)
@given(problems())
def test_plan_is_feasible_and_at_least_greedy(problem):
    jobs, cands = problem
    plan, greedy_total, _method = solve(jobs, cands)
    by_id = {j.job_id: j for j in jobs}
    total = sum(s for _j, _w, s in plan)
    assert total >= greedy_total - 1e-9
    for job in jobs:
        assert sum(1 for j, _w, _s in plan if j == job.job_id) <= job.slots
    allowed = {(j, w): s for j, cs in cands.items() for w, s in cs}
    for j, w, s in plan:
        assert allowed[(j, w)] == s
    for a, b in ((p, q) for i, p in enumerate(plan) for q in plan[i + 1:]):
        if a[1] == b[1]:
            assert a[0] != b[0] and not _overlap(by_id[a[0]], by_id[b[0]])


def test_optimal_beats_greedy_on_a_known_case():
    # Greedy takes the 0.9 pair and leaves job 2 empty; the optimum staffs both.
    a = Slotted(1, 1, T0, T0 + timedelta(hours=8))
    b = Slotted(2, 1, T0, T0 + timedelta(hours=8))
    cands = {1: [(10, 0.9), (11, 0.8)], 2: [(10, 0.85)]}
    plan, greedy_total, method = solve([a, b], cands)
    assert sorted((j, w) for j, w, _ in plan) == [(1, 11), (2, 10)]
    assert abs(greedy_total - 0.9) < 1e-12 and method == "optimal"
    assert len(overlap_groups([a, b])) == 1


async def test_endpoint_headcounts_overlaps_and_422(world, client):
    place = {"lat": 30.20, "lng": 107.75, "address": "垫江县某街道"}
    _e, ekey = await world.employer()
    start = shanghai(5, 9)
    jobs = [
        await world.job(ekey, **job_at(start, start + timedelta(hours=8), skills=["保洁"],
                                       headcount=h, location=place, title=f"垫江保洁{i}"))
        for i, h in enumerate((2, 1))
    ]
    workers = []
    for i in range(4):
        w, _k = await world.worker(name=f"赵{i}", skills=[{"name": "保洁", "years": i}],
                                   home_location={"lat": 30.201 + 0.001 * i, "lng": 107.75})
        workers.append(w["id"])
    r = await client.post("/v1/staffing-plans", json={"job_ids": [j["id"] for j in jobs]},
                          headers=auth(ekey))
    assert r.status_code == 200, r.text
    body = r.json()
    per_job = {j["job_id"]: j["assigned"] for j in body["jobs"]}
    assert per_job == {jobs[0]["id"]: 2, jobs[1]["id"]: 1}
    assigned = [a["worker_id"] for a in body["assignments"]]
    assert len(assigned) == len(set(assigned)) == 3  # the jobs overlap: nobody twice
    assert set(assigned) <= set(workers)
    assert body["total_score"] >= body["greedy_total_score"] - 1e-9
    r = await client.post("/v1/staffing-plans", json={"job_ids": [jobs[0]["id"], 987654321]},
                          headers=auth(ekey))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/job_ids/1"
    _o, other = await world.employer()
    r = await client.post("/v1/staffing-plans", json={"job_ids": [jobs[0]["id"]]},
                          headers=auth(other))
    assert r.status_code == 422
    await client.post(f"/v1/jobs/{jobs[1]['id']}/close", headers=auth(ekey))
    r = await client.post("/v1/staffing-plans", json={"job_ids": [jobs[1]["id"]]},
                          headers=auth(ekey))
    assert r.status_code == 422 and "closed" in r.json()["detail"]
