"""Keeping the match tables in step with workers and jobs, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, literal_column, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.jobs.models import Job, JobSkill
from app.matching.keys import job_key_rows, worker_key_rows
from app.matching.models import (
    JobMatchKey,
    WorkerMatchChange,
    WorkerMatchChangeHorizon,
    WorkerMatchKey,
)
from app.workers.models import Worker, WorkerSkill

# What the match-key rows are derived from: the same columns whether they come from a loaded
# profile (index_worker / index_job) or a bulk select (reindex_all).
WORKER_KEY_SOURCE = (
    Worker.id, Worker.status, Worker.max_travel_km, Worker.home_lat, Worker.home_lng,
    Worker.availability, Worker.min_wage_amount, Worker.min_wage_unit, Worker.reliability,
)
JOB_KEY_SOURCE = (
    Job.id, Job.status, Job.lat, Job.lng, Job.radius_km, Job.wage_amount, Job.wage_unit,
    Job.urgent, Job.starts_at, Job.ends_at, Job.shifts,
)
WORKER_SKILL_SOURCE = (WorkerSkill.position, WorkerSkill.skill_code, WorkerSkill.raw,
                       WorkerSkill.similarity, WorkerSkill.years)
JOB_SKILL_SOURCE = (JobSkill.position, JobSkill.skill_code, JobSkill.raw)


_XID = literal_column("pg_current_xact_id()::text::bigint")


async def log_worker_change(session: AsyncSession, worker_id: int | None) -> None:
    """Tells every API process's in-memory index (app/matching/memindex.py) to re-read this
    worker's rows (None: all rows), once this transaction commits."""
    pg = session.get_bind().dialect.name == "postgresql"
    await session.execute(
        insert(WorkerMatchChange).values(worker_id=worker_id, xid=_XID if pg else None)
    )


async def prune_worker_changes(session: AsyncSession, before: datetime) -> int:
    """Deletes the change log's rows logged before `before`, all but the newest (SQLite would
    hand its seq out again), and raises the horizon past them so that a process which has not
    read them yet reloads instead of missing them. The caller commits."""
    C, H = WorkerMatchChange, WorkerMatchChangeHorizon
    horizon = (await session.execute(
        select(H.pruned_seq, H.pruned_xid).where(H.id == 1).with_for_update())).one()
    old = or_(C.created_at.is_(None), C.created_at < before)
    if session.get_bind().dialect.name == "postgresql":
        # Only what every snapshot sees: a process that reloads takes the current xmin as
        # its watermark, which must end up above the horizon (else it would reload forever
        # while a transaction older than the row stays open).
        old = old & (C.xid < literal_column(
            "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
    newest = select(func.max(C.seq)).scalar_subquery()
    top_seq, top_xid = (await session.execute(
        select(func.max(C.seq), func.max(C.xid)).where(old, C.seq < newest))).one()
    if top_seq is None:
        return 0
    # Rows logged before `before` never change, so these are the rows just measured.
    gone = await session.execute(delete(C).where(old, C.seq <= top_seq))
    await session.execute(update(H).where(H.id == 1).values(
        pruned_seq=_higher(horizon.pruned_seq, top_seq),
        pruned_xid=_higher(horizon.pruned_xid, top_xid)))  # no xids on SQLite
    return gone.rowcount or 0


def _higher(a: int | None, b: int | None) -> int | None:
    return a if b is None else b if a is None else max(a, b)


def _values(obj, columns) -> dict:
    return {c.key: getattr(obj, c.key) for c in columns}


def worker_columns(worker: Worker) -> tuple[dict, list[dict]]:
    return (_values(worker, WORKER_KEY_SOURCE),
            [_values(s, WORKER_SKILL_SOURCE) for s in worker.skills])


def job_columns(job: Job) -> tuple[dict, list[dict]]:
    return _values(job, JOB_KEY_SOURCE), [_values(s, JOB_SKILL_SOURCE) for s in job.skills]


async def index_worker(session: AsyncSession, worker: Worker) -> None:
    """Rewrites the worker's rows (after a flush, so worker.id and its skills are set)."""
    if worker.reliability is None:  # a new row before its server default is read back
        worker.reliability = 0.5
    await session.execute(delete(WorkerMatchKey).where(WorkerMatchKey.worker_id == worker.id))
    rows = worker_key_rows(*worker_columns(worker))
    if rows:
        await session.execute(insert(WorkerMatchKey), rows)
    await log_worker_change(session, worker.id)


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
    await log_worker_change(session, worker_id)


async def _rebuild(session: AsyncSession, source, skill_model, owner, skill_cols, to_rows,
                   key_model, batch: int) -> int:
    """Keyset pages of owners (workers or jobs) with their skills → match-key rows."""
    id_col, after, written = source[0], 0, 0
    while True:
        owners = (await session.execute(
            select(*source).where(id_col > after).order_by(id_col).limit(batch)
        )).mappings().all()
        if not owners:
            return written
        ids = [o["id"] for o in owners]
        skills: dict[int, list[dict]] = {i: [] for i in ids}
        for row in (await session.execute(
            select(owner, *skill_cols).where(owner.in_(ids)).order_by(owner, skill_model.position)
        )).mappings():
            skills[row[owner.key]].append(dict(row))
        rows = [r for o in owners for r in to_rows(dict(o), skills[o["id"]])]
        if rows:
            await session.execute(insert(key_model), rows)
        written += len(rows)
        after = ids[-1]


async def reindex_all(session: AsyncSession, batch: int = 5000) -> dict[str, int]:
    """Rebuilds worker_match_keys and job_match_keys from workers and jobs (after a change to
    the keying constants or the taxonomy), in the caller's transaction."""
    await session.execute(delete(WorkerMatchKey))
    await session.execute(delete(JobMatchKey))
    workers = await _rebuild(
        session, WORKER_KEY_SOURCE, WorkerSkill, WorkerSkill.worker_id, WORKER_SKILL_SOURCE,
        worker_key_rows, WorkerMatchKey, batch,
    )
    jobs = await _rebuild(
        session, JOB_KEY_SOURCE, JobSkill, JobSkill.job_id, JOB_SKILL_SOURCE, job_key_rows,
        JobMatchKey, batch,
    )
    await log_worker_change(session, None)
    return {"worker_match_keys": workers, "job_match_keys": jobs}
