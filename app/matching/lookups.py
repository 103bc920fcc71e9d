"""Column-only reads of the candidates a match page checks and shows, as statements built once.

Each takes its ids as one parameter: `= ANY(:ids)` on PostgreSQL (the same SQL text whatever
the count, so asyncpg reuses its prepared statement) and an expanding IN on SQLite. Building
and compiling a fresh select() per call cost more than the queries themselves.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Row, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from app.engagements.models import LIVE_STATUSES, Engagement
from app.jobs.models import Job, JobSkill
from app.workers.models import Worker, WorkerSkill

# What the hard filters (app/matching/rules.py) and the match summaries read.
WORKER_FACT_COLUMNS = (
    Worker.id, Worker.status, Worker.birth_date, Worker.gender, Worker.certificates,
    Worker.availability, Worker.available_from_date, Worker.available_until_date,
    Worker.name, Worker.phone, Worker.district_code,
)
JOB_FACT_COLUMNS = (
    Job.id, Job.status, Job.starts_at, Job.ends_at, Job.shifts, Job.req_gender,
    Job.req_min_age, Job.req_max_age, Job.req_certificates, Job.title, Job.employer_id,
    Job.district_code, Job.wage_amount, Job.wage_unit, Job.wage_settlement, Job.headcount,
    Job.urgent,
)


def _by_ids(build) -> dict[str, object]:
    """`build(ids_condition)` for both backends."""
    return {
        "postgresql": build(lambda col: col == any_(bindparam("ids", type_=ARRAY(BigInteger)))),
        "sqlite": build(lambda col: col.in_(bindparam("ids", expanding=True))),
    }


# Whether a live engagement of the worker overlaps the job (:job_starts_at, :job_ends_at): all
# the booking filter needs, read in the same round trip as the worker's columns.
BOOKED = select(Engagement.id).where(
    Engagement.worker_id == Worker.id, Engagement.status.in_(LIVE_STATUSES),
    Engagement.starts_at < bindparam("job_ends_at", type_=Engagement.starts_at.type),
    Engagement.ends_at > bindparam("job_starts_at", type_=Engagement.ends_at.type),
).exists().label("booked")
WORKER_FACTS = _by_ids(lambda ids: select(*WORKER_FACT_COLUMNS, BOOKED).where(ids(Worker.id)))
JOB_FACTS = _by_ids(lambda ids: select(*JOB_FACT_COLUMNS).where(ids(Job.id)))
WORKER_SKILLS = _by_ids(lambda ids: select(WorkerSkill.worker_id, WorkerSkill.raw).where(
    ids(WorkerSkill.worker_id)).order_by(WorkerSkill.worker_id, WorkerSkill.position))
JOB_SKILLS = _by_ids(lambda ids: select(JobSkill.job_id, JobSkill.raw).where(
    ids(JobSkill.job_id)).order_by(JobSkill.job_id, JobSkill.position))


# The worker asking for its matches: its own columns, skills and live engagements.
WORKER_SELF = select(
    Worker.id, Worker.status, Worker.birth_date, Worker.gender, Worker.certificates,
    Worker.availability, Worker.available_from_date, Worker.available_until_date,
    Worker.home_lat, Worker.home_lng, Worker.max_travel_km, Worker.min_wage_amount,
    Worker.min_wage_unit, Worker.reliability,
).where(Worker.id == bindparam("worker_id"))
WORKER_OWN_SKILLS = select(
    WorkerSkill.skill_code, WorkerSkill.raw, WorkerSkill.similarity, WorkerSkill.years
).where(WorkerSkill.worker_id == bindparam("worker_id")).order_by(WorkerSkill.position)
WORKER_BOOKINGS = select(Engagement.starts_at, Engagement.ends_at).where(
    Engagement.worker_id == bindparam("worker_id"), Engagement.status.in_(LIVE_STATUSES)
)


async def run(session: AsyncSession, stmts: dict, ids: list[int], **params) -> list[Row]:
    dialect = "postgresql" if session.bind.dialect.name == "postgresql" else "sqlite"
    return (await session.execute(stmts[dialect], {"ids": list(ids), **params})).all()


async def skill_names(session: AsyncSession, stmts: dict, ids: list[int]) -> dict[int, list[str]]:
    """Skill texts in position order, for the page's workers (WORKER_SKILLS) or jobs."""
    out: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for owner_id, raw in await run(session, stmts, ids):
            out[owner_id].append(raw)
    return out
