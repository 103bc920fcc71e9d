"""Why a match list came back empty: a separate, bounded look at the candidates, run only when
the first page is empty (the ranking path never pays for it). Wording: app/matching/explain.py.

Candidates are read from the profiles themselves (workers by home, jobs by location, both on
their status/position indexes), not from the match keys, so the answer does not depend on how
retrieval is tuned; it uses the same skill, distance and hard-filter rules as the ranking.
"""

from __future__ import annotations

import math
from collections import Counter

from rapidfuzz import fuzz, utils
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.common.geo import bounding_box, haversine_km
from app.engagements.models import LIVE_STATUSES, Engagement
from app.jobs.models import Job, JobSkill
from app.matching import explain, rules
from app.workers.models import Worker, WorkerSkill

MAX_TRAVEL_KM = 200.0  # the largest travel limit a worker may set
ROW_CAP = 20_000  # skill rows read around the point; the nearest are judged
JUDGED = 500  # candidates whose hard filters are read and counted


def _skill_filter(column_code, codes: list[str], uncoded: list[str]):
    conditions = []
    if codes:
        conditions.append(column_code.in_(codes))
    if uncoded:
        conditions.append(column_code.is_(None))
    return or_(*conditions) if conditions else column_code.in_([])


def _relevant(code: str | None, raw: str, codes: set[str], uncoded: list[str], threshold: float):
    """The ranking's relevance rule: the same canonical skill, or similar text outside the
    taxonomy."""
    if code is not None:
        return code in codes
    return any(
        fuzz.ratio(raw, text, processor=utils.default_process) >= threshold for text in uncoded
    )


async def _skilled_near(
    session: AsyncSession, stmt, origin: tuple[float, float], box_km: float, skill_code_col,
    codes: list[str], uncoded: list[str], threshold: float,
) -> list[tuple]:
    """(row, distance km) for rows of `stmt` (labelled lat, lng, skill_code, raw) in the box
    around `origin` that hold a relevant skill."""
    min_lat, max_lat, min_lng, max_lng = bounding_box(*origin, box_km)
    lat, lng = stmt.selected_columns.lat, stmt.selected_columns.lng
    rows = (await session.execute(
        stmt.where(lat.between(min_lat, max_lat), lng.between(min_lng, max_lng),
                   _skill_filter(skill_code_col, codes, uncoded)).limit(ROW_CAP)
    )).all()
    code_set = set(codes)
    return [
        (r, haversine_km(*origin, r.lat, r.lng)) for r in rows
        if _relevant(r.skill_code, r.raw, code_set, uncoded, threshold)
    ]


async def _holding_anywhere(session: AsyncSession, owner_col, skill_code_col, live, codes):
    """How many live workers (or open jobs) hold one of the codes, city-wide."""
    return await session.scalar(
        select(func.count(func.distinct(owner_col))).where(live, skill_code_col.in_(codes))
    )


async def why_no_workers(
    session: AsyncSession, job_id: int, threshold: float, radius_km: float | None
) -> dict:
    """For GET /v1/jobs/{id}/matches with nothing on its first page (access already checked)."""
    job = await session.scalar(
        select(Job).options(selectinload(Job.skills)).where(Job.id == job_id)
    )
    names = explain.canonical_skills([s.raw for s in job.skills], threshold)
    codes = sorted({s.skill_code for s in job.skills if s.skill_code})
    uncoded = [s.raw for s in job.skills if not s.skill_code]
    cap = min(job.radius_km or math.inf, radius_km or math.inf)
    reach = None if math.isinf(cap) else cap
    common = {"status": job.status, "skills": names, "reach_km": reach}
    if job.status != "open":
        return explain.empty_for_job(**common, skilled_anywhere=None, within_reach=0,
                                     beyond_travel=0, nearest_km=None, excluded=Counter())
    stmt = (
        select(Worker.id, Worker.home_lat.label("lat"), Worker.home_lng.label("lng"),
               Worker.max_travel_km, WorkerSkill.skill_code, WorkerSkill.raw)
        .join(WorkerSkill, WorkerSkill.worker_id == Worker.id).where(Worker.status == "active")
    )
    distance: dict[int, float] = {}
    beyond: dict[int, float] = {}
    for r, d in await _skilled_near(session, stmt, (job.lat, job.lng), min(cap, MAX_TRAVEL_KM),
                                    WorkerSkill.skill_code, codes, uncoded, threshold):
        if d > cap:
            continue
        if d <= r.max_travel_km:
            distance[r.id] = d
        else:
            beyond[r.id] = d
    beyond = {k: d for k, d in beyond.items() if k not in distance}
    skilled_anywhere = None
    if not distance and not beyond and codes:
        skilled_anywhere = await _holding_anywhere(
            session, WorkerSkill.worker_id, WorkerSkill.skill_code,
            WorkerSkill.worker_id.in_(select(Worker.id).where(Worker.status == "active")), codes,
        )
    nearest = sorted(distance, key=lambda i: (distance[i], i))[:JUDGED]
    excluded: Counter = Counter()
    if nearest:
        facts = rules.job_facts(job)
        booked = set(await session.scalars(
            select(Engagement.worker_id).where(
                Engagement.worker_id.in_(nearest), Engagement.status.in_(LIVE_STATUSES),
                Engagement.starts_at < job.ends_at, Engagement.ends_at > job.starts_at,
            )
        ))
        for w in await session.scalars(select(Worker).where(Worker.id.in_(nearest))):
            busy = [(job.starts_at, job.ends_at)] if w.id in booked else []
            reason = explain.exclusion(facts, rules.worker_facts(w, busy))
            if reason is not None:
                excluded[reason] += 1
    return explain.empty_for_job(
        **common, skilled_anywhere=skilled_anywhere, within_reach=len(distance),
        beyond_travel=len(beyond), nearest_km=min(beyond.values(), default=None),
        excluded=excluded,
    )


async def why_no_jobs(
    session: AsyncSession, worker_id: int, threshold: float, radius_km: float | None
) -> dict:
    """For GET /v1/workers/{id}/matches with nothing on its first page (access already
    checked)."""
    worker = await session.get(Worker, worker_id)
    skills = list(await session.scalars(
        select(WorkerSkill).where(WorkerSkill.worker_id == worker_id)
        .order_by(WorkerSkill.position)
    ))
    names = explain.canonical_skills([s.raw for s in skills], threshold)
    reach = min(worker.max_travel_km, radius_km or math.inf)
    common = {"status": worker.status, "skills": names, "reach_km": reach}
    if worker.status != "active" or not skills:
        return explain.empty_for_worker(**common, jobs_anywhere=None, within_reach=0,
                                        excluded=Counter())
    codes = sorted({s.skill_code for s in skills if s.skill_code})
    uncoded = [s.raw for s in skills if not s.skill_code]
    stmt = (
        select(Job.id, Job.lat, Job.lng, Job.radius_km, JobSkill.skill_code, JobSkill.raw)
        .join(JobSkill, JobSkill.job_id == Job.id).where(Job.status == "open")
    )
    distance: dict[int, float] = {}
    for r, d in await _skilled_near(session, stmt, (worker.home_lat, worker.home_lng), reach,
                                    JobSkill.skill_code, codes, uncoded, threshold):
        if d <= min(reach, r.radius_km or math.inf):
            distance[r.id] = d
    jobs_anywhere = None
    if not distance and codes:
        jobs_anywhere = await _holding_anywhere(
            session, JobSkill.job_id, JobSkill.skill_code,
            JobSkill.job_id.in_(select(Job.id).where(Job.status == "open")), codes,
        )
    nearest = sorted(distance, key=lambda i: (distance[i], i))[:JUDGED]
    excluded: Counter = Counter()
    if nearest:
        busy = (await session.execute(
            select(Engagement.starts_at, Engagement.ends_at).where(
                and_(Engagement.worker_id == worker.id, Engagement.status.in_(LIVE_STATUSES))
            )
        )).all()
        me = rules.worker_facts(worker, [(s, e) for s, e in busy])
        for job in await session.scalars(select(Job).where(Job.id.in_(nearest))):
            reason = explain.exclusion(rules.job_facts(job), me)
            if reason is not None:
                excluded[reason] += 1
    return explain.empty_for_worker(
        **common, jobs_anywhere=jobs_anywhere, within_reach=len(distance), excluded=excluded
    )
