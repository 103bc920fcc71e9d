"""Ranked, explained matches in both directions: retrieval → vectorised score → the
remaining hard filters on the best-ranked candidates only, until a page is full."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

import numpy as np
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal, Role
from app.common.pagination import decode_cursor, encode_cursor
from app.common.privacy import mask_phone
from app.common.problems import NotFound, Unprocessable
from app.config import Settings
from app.jobs.models import Job
from app.jobs.service import can_manage
from app.matching import lookups, rules
from app.matching.candidates import jobs_near, workers_near
from app.matching.keys import UNCODED, availability_mask, needs_mask
from app.matching.memindex import worker_index
from app.matching.score import COMPONENTS, JobQuery, Scored, WorkerQuery, score_jobs, score_workers
from app.reference.wages import minimum_wages


def _scoring_kw(settings: Settings, radius_km: float | None) -> dict:
    return {
        "weights": settings.match_weights,
        "urgent_factor": settings.match_urgent_distance_factor,
        # A worker who named no minimum is assumed to accept the city's lower legal floor.
        "min_hour_fen": float(
            settings.min_wage_hour_fen
            or minimum_wages().floor_fen("hour", None, datetime.now(UTC).date())
        ),
        "threshold": settings.skill_match_threshold, "radius_km": radius_km,
    }


def job_query(job, facts: rules.JobFacts) -> JobQuery:
    """`job`: a Job, or a JOB_SELF row (skills as [code, raw] pairs); `facts`: its job_facts."""
    skills = job.skills or ()
    pairs = [(s.skill_code, s.raw) for s in skills] if isinstance(job, Job) else skills
    return JobQuery(
        lat=job.lat, lng=job.lng, radius_km=job.radius_km, wage_amount=job.wage_amount,
        wage_unit=job.wage_unit, urgent=job.urgent,
        skills=[(code or UNCODED, raw) for code, raw in pairs],
        blocks=needs_mask(facts.needs),
    )


async def score_job(
    session: AsyncSession, query: JobQuery, settings: Settings, radius_km: float | None = None
) -> Scored:
    """Every worker within reach holding one of the job's skills, scored (not yet filtered
    by requirements or bookings; availability only by week blocks)."""
    cap = min(query.radius_km or math.inf, radius_km or math.inf)
    keys = [k for k, _ in query.skills]
    if settings.match_memindex:
        rows = (await worker_index(session)).rows_near(keys, query.lat, query.lng, cap)
    else:
        rows = await workers_near(session, keys, query.lat, query.lng, cap)
    return score_workers(query, rows, **_scoring_kw(settings, radius_km))


async def worker_facts_for(
    session: AsyncSession, ids: list[int], job: Job | rules.JobFacts
) -> dict[int, tuple[Row, rules.WorkerFacts]]:
    workers = await lookups.run(session, lookups.WORKER_FACTS, ids,
                                job_starts_at=job.starts_at, job_ends_at=job.ends_at)
    # A booked worker has a live engagement overlapping the job; for the rule, the job's own
    # span stands in for it (the overlap is all that is checked).
    return {
        w.id: (w, rules.worker_facts(w, [(job.starts_at, job.ends_at)] if w.booked else ()))
        for w in workers
    }


Check = Callable[[list[int]], Awaitable[dict[int, object]]]


async def first_eligible(
    scored: Scored, order: np.ndarray, want: int, check: Check
) -> list[tuple[int, object]]:
    """Walks candidates in rank order, asking `check` about growing chunks, until `want`
    pass. `check` returns {id: record} for those that pass every remaining hard filter."""
    out: list[tuple[int, object]] = []
    # About a third of ranked candidates pass the remaining filters in practice: a first chunk
    # of 3 × want usually fills the page in one round trip.
    pos, chunk = 0, max(3 * want, 32)
    while len(out) < want and pos < len(order):
        idx = order[pos:pos + chunk]
        pos += chunk
        chunk *= 2
        passed = await check([int(scored.ids[i]) for i in idx])
        for i in idx:
            record = passed.get(int(scored.ids[i]))
            if record is not None:
                out.append((int(i), record))
                if len(out) == want:
                    break
    return out


def _after(cursor: str | None) -> tuple[float, int] | None:
    if cursor is None:
        return None
    pos = decode_cursor(cursor)
    s, i = pos.get("s"), pos.get("id")
    if not isinstance(s, (int, float)) or isinstance(s, bool) or not isinstance(i, int):
        raise Unprocessable(
            "cursor: not a cursor this API issued",
            errors=[{"parameter": "cursor", "in": "query", "detail": "not a cursor this API issued"}],
        )
    return float(s), i


def _explain(scored: Scored, i: int, skill_names: list[str]) -> dict:
    direct = scored.direct[i]
    return {
        "id": int(scored.ids[i]), "score": float(scored.score[i]),
        "components": dict(zip(COMPONENTS, map(float, scored.components[i]), strict=True)),
        "weights": dict(zip(COMPONENTS, map(float, scored.weights[i]), strict=True)),
        "distance_km": round(float(scored.distance_km[i]), 3),
        "matched_skills": [n for n, d in zip(skill_names, direct, strict=True) if d],
        "missing_skills": [n for n, d in zip(skill_names, direct, strict=True) if not d],
    }


def _page(scored: Scored, chosen: list, limit: int) -> str | None:
    if len(chosen) > limit:
        i = chosen[limit - 1][0]
        return encode_cursor({"s": float(scored.score[i]), "id": int(scored.ids[i])})
    return None


def _age(birth: date) -> int:
    return rules.age_on(birth, date.today())


def worker_summary(worker, skills: list[str]) -> dict:
    return {
        "id": worker.id, "name": worker.name, "phone": mask_phone(worker.phone),
        "gender": worker.gender, "age": _age(worker.birth_date),
        "district_code": worker.district_code, "skills": skills,
    }


def job_summary(job) -> dict:
    return {
        "id": job.id, "title": job.title, "employer_id": job.employer_id,
        "district_code": job.district_code, "starts_at": job.starts_at, "ends_at": job.ends_at,
        "wage": {"amount": job.wage_amount, "unit": job.wage_unit,
                 "settlement": job.wage_settlement},
        "headcount": job.headcount, "urgent": job.urgent, "status": job.status,
    }


async def job_matches(
    session: AsyncSession, principal: Principal, job_id: int, settings: Settings, *,
    limit: int, cursor: str | None, radius_km: float | None,
) -> tuple[list[dict], str | None]:
    job = await lookups.one(session, lookups.JOB_SELF, job_id=job_id)
    if job is None or not can_manage(principal, job):
        raise NotFound(f"no job with id {job_id}")
    after = _after(cursor)
    if job.status != "open":
        return [], None
    facts = rules.job_facts(job)
    query = job_query(job, facts)
    scored = await score_job(session, query, settings, radius_km)

    async def check(ids: list[int]) -> dict[int, object]:
        found = await worker_facts_for(session, ids, facts)
        return {i: w for i, (w, f) in found.items() if rules.eligible(facts, f)}

    chosen = await first_eligible(scored, scored.order(after), limit + 1, check)
    names = [raw for _, raw in query.skills]
    items = [
        {**_explain(scored, i, names),
         "worker": worker_summary(w, lookups.names(w.skill_names))}
        for i, w in chosen[:limit]
    ]
    return items, _page(scored, chosen, limit)


async def _worker_for_matches(session: AsyncSession, principal: Principal, worker_id: int) -> Row:
    worker = await lookups.one(session, lookups.WORKER_SELF, worker_id=worker_id)
    if worker is None or not (principal.is_admin or principal.acts_for(Role.worker, worker.id)):
        raise NotFound(f"no worker with id {worker_id}")
    return worker


def worker_query(worker) -> WorkerQuery:
    """`worker`: a WORKER_SELF row (skills as [code, raw, similarity, years])."""
    return WorkerQuery(
        lat=worker.home_lat, lng=worker.home_lng, max_travel_km=worker.max_travel_km,
        any_time=worker.availability is None, min_wage_amount=worker.min_wage_amount,
        min_wage_unit=worker.min_wage_unit, reliability=worker.reliability,
        skills=[(code or UNCODED, raw, similarity, years)
                for code, raw, similarity, years in worker.skills or ()],
        blocks=availability_mask(worker.availability),
    )


async def worker_matches(
    session: AsyncSession, principal: Principal, worker_id: int, settings: Settings, *,
    limit: int, cursor: str | None, radius_km: float | None,
) -> tuple[list[dict], str | None]:
    worker = await _worker_for_matches(session, principal, worker_id)
    after = _after(cursor)
    if worker.status != "active" or not worker.skills:
        return [], None
    query = worker_query(worker)
    reach = min(worker.max_travel_km, radius_km or math.inf)
    rows = await jobs_near(session, [k for k, *_ in query.skills], worker.home_lat,
                           worker.home_lng, reach)
    scored = score_jobs(query, rows, **_scoring_kw(settings, radius_km))
    # Bookings are judged per job in the facts statement (`booked`), not listed here.
    me = rules.worker_facts(worker)

    async def check(ids: list[int]) -> dict[int, object]:
        jobs = await lookups.run(session, lookups.JOB_FACTS, ids, worker_id=worker.id)
        return {j.id: j for j in jobs
                if not j.booked and rules.eligible(rules.job_facts(j), me)}

    chosen = await first_eligible(scored, scored.order(after), limit + 1, check)
    items = [
        {**_explain(scored, i, lookups.names(j.skill_names)), "job": job_summary(j)}
        for i, j in chosen[:limit]
    ]
    return items, _page(scored, chosen, limit)
