"""POST /v1/staffing-plans: gathers each job's eligible candidates and hands them to the
pure solver (app/matching/assign.py). Proposes only; nothing is booked."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.auth.principal import Principal
from app.common.problems import Unprocessable
from app.config import Settings
from app.engagements.counts import live_hires
from app.jobs.models import Job
from app.jobs.service import can_manage
from app.matching import rules
from app.matching.assign import Slotted, solve
from app.matching.service import first_eligible, job_query, score_job, worker_facts_for


def _reject(index: int, detail: str) -> Unprocessable:
    return Unprocessable(
        f"job_ids/{index}: {detail}", errors=[{"pointer": f"/job_ids/{index}", "detail": detail}]
    )


async def _jobs(session: AsyncSession, principal: Principal, job_ids: list[int]) -> list[Job]:
    found = {
        j.id: j for j in await session.scalars(
            select(Job).options(selectinload(Job.skills)).where(Job.id.in_(job_ids))
        )
    }
    jobs, seen = [], set()
    for i, job_id in enumerate(job_ids):
        job = found.get(job_id)
        if job is None or not can_manage(principal, job):  # others' jobs: as if unknown
            raise _reject(i, f"no job with id {job_id}")
        if job.status != "open":
            raise _reject(i, f"job {job_id} is {job.status}, not open")
        if job_id not in seen:
            seen.add(job_id)
            jobs.append(job)
    return jobs


async def plan(
    session: AsyncSession, principal: Principal, job_ids: list[int], settings: Settings
) -> dict:
    jobs = await _jobs(session, principal, job_ids)
    taken = await live_hires(session, [j.id for j in jobs])
    slotted = [
        Slotted(j.id, max(0, j.headcount - taken.get(j.id, 0)), j.starts_at, j.ends_at)
        for j in jobs
    ]
    # The best `pool` eligible candidates per job suffice: a plan filling at most `pool`
    # slots in a group always leaves one of them free to swap in for anyone ranked lower.
    pool = min(max(1, sum(s.slots for s in slotted)), settings.staffing_pool_per_job)
    cands: dict[int, list[tuple[int, float]]] = {}
    for job, slot in zip(jobs, slotted, strict=True):
        if slot.slots == 0:
            continue
        facts = rules.job_facts(job)
        scored = await score_job(session, job_query(job, facts), settings)

        async def check(ids: list[int], facts=facts) -> dict[int, object]:
            found = await worker_facts_for(session, ids, facts)
            return {i: True for i, (_w, f) in found.items() if rules.eligible(facts, f)}

        chosen = await first_eligible(scored, scored.order(), pool, check)
        cands[job.id] = [(int(scored.ids[i]), float(scored.score[i])) for i, _ in chosen]
    pairs, greedy_total, method = solve(slotted, cands)
    assigned: dict[int, int] = {}
    for job_id, _w, _s in pairs:
        assigned[job_id] = assigned.get(job_id, 0) + 1
    return {
        "assignments": [{"job_id": j, "worker_id": w, "score": s} for j, w, s in pairs],
        "jobs": [{"job_id": s.job_id, "open_slots": s.slots, "assigned": assigned.get(s.job_id, 0)}
                 for s in slotted],
        "total_score": sum(s for _j, _w, s in pairs),
        "greedy_total_score": greedy_total,
        "method": method,
    }
