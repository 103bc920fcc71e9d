"""Keeping the match tables in step with workers and jobs, in the caller's transaction."""

from __future__ import annotations

from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.jobs.models import Job
from app.matching.keys import job_key_rows, worker_key_rows
from app.matching.models import JobMatchKey, WorkerMatchKey
from app.workers.models import Worker


def worker_columns(worker: Worker) -> tuple[dict, list[dict]]:
    row = {
        "id": worker.id, "status": worker.status, "max_travel_km": worker.max_travel_km,
        "home_lat": worker.home_lat, "home_lng": worker.home_lng,
        "availability": worker.availability, "min_wage_amount": worker.min_wage_amount,
        "min_wage_unit": worker.min_wage_unit, "reliability": worker.reliability,
    }
    skills = [
        {"position": s.position, "skill_code": s.skill_code, "raw": s.raw,
         "similarity": s.similarity, "years": s.years}
        for s in worker.skills
    ]
    return row, skills


def job_columns(job: Job) -> tuple[dict, list[dict]]:
    row = {
        "id": job.id, "status": job.status, "lat": job.lat, "lng": job.lng,
        "radius_km": job.radius_km, "wage_amount": job.wage_amount, "wage_unit": job.wage_unit,
        "urgent": job.urgent, "starts_at": job.starts_at, "ends_at": job.ends_at,
    }
    skills = [
        {"position": s.position, "skill_code": s.skill_code, "raw": s.raw} for s in job.skills
    ]
    return row, skills


async def index_worker(session: AsyncSession, worker: Worker) -> None:
    """Rewrites the worker's rows (after a flush, so worker.id and its skills are set)."""
    if worker.reliability is None:  # a new row before its server default is read back
        worker.reliability = 0.5
    await session.execute(delete(WorkerMatchKey).where(WorkerMatchKey.worker_id == worker.id))
    rows = worker_key_rows(*worker_columns(worker))
    if rows:
        await session.execute(insert(WorkerMatchKey), rows)


async def index_job(session: AsyncSession, job: Job) -> None:
    await session.execute(delete(JobMatchKey).where(JobMatchKey.job_id == job.id))
    rows = job_key_rows(*job_columns(job))
    if rows:
        await session.execute(insert(JobMatchKey), rows)


async def drop_jobs(session: AsyncSession, job_ids: list[int]) -> None:
    if job_ids:
        await session.execute(delete(JobMatchKey).where(JobMatchKey.job_id.in_(job_ids)))


async def set_reliability(session: AsyncSession, worker_id: int, score: float) -> None:
    await session.execute(
        update(WorkerMatchKey).where(WorkerMatchKey.worker_id == worker_id)
        .values(reliability=score).execution_options(synchronize_session=False)
    )
