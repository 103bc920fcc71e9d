"""Column-only reads of the candidates a match page checks and shows, as statements built once.

Each takes its ids as one parameter: `= ANY(:ids)` on PostgreSQL (the same SQL text whatever
the count, so asyncpg reuses its prepared statement) and an expanding IN on SQLite. Building
and compiling a fresh select() per call cost more than the queries themselves.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Row,
    any_,
    bindparam,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
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


def _json_list(dialect: str, columns: tuple, owner, outer, order) -> object:
    """The rows with `owner == outer` (a correlated subquery) as one JSON array of arrays, in
    `order`: a record's skills come back in the record's own row (one round trip, not two)."""
    if dialect == "postgresql":
        agg = select(func.json_agg(aggregate_order_by(func.json_build_array(*columns), order)))
        return type_coerce(agg.where(owner == outer).scalar_subquery(), JSON)
    # SQLite 3.40 has no ORDER BY inside an aggregate; it aggregates a sorted subquery in
    # order. The outer column is named literally: SQLAlchemy would otherwise add the outer
    # table to the subquery's FROM (it never correlates a FROM-clause subquery).
    rows = select(*columns).where(
        owner == literal_column(f"{outer.table.name}.{outer.name}")
    ).order_by(order).subquery()
    agg = select(func.json_group_array(func.json_array(*rows.c)))
    return type_coerce(agg.scalar_subquery(), JSON)


def _both(build) -> dict[str, object]:
    return {d: build(d) for d in ("postgresql", "sqlite")}


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
# The other way round: whether the asking worker (:worker_id) is booked during each job.
WORKER_BOOKED = select(Engagement.id).where(
    Engagement.worker_id == bindparam("worker_id"), Engagement.status.in_(LIVE_STATUSES),
    Engagement.starts_at < Job.ends_at, Engagement.ends_at > Job.starts_at,
).exists().label("booked")


def _worker_skill_names(dialect: str):
    return _json_list(dialect, (WorkerSkill.raw,), WorkerSkill.worker_id, Worker.id,
                      WorkerSkill.position).label("skill_names")


def _job_skill_names(dialect: str):
    return _json_list(dialect, (JobSkill.raw,), JobSkill.job_id, Job.id,
                      JobSkill.position).label("skill_names")


# Candidates a page checks, with what the page shows of them: one statement per chunk.
WORKER_FACTS = {d: select(*WORKER_FACT_COLUMNS, BOOKED, _worker_skill_names(d)).where(ids)
                for d, ids in _by_ids(lambda ids: ids(Worker.id)).items()}
JOB_FACTS = {d: select(*JOB_FACT_COLUMNS, WORKER_BOOKED, _job_skill_names(d)).where(ids)
             for d, ids in _by_ids(lambda ids: ids(Job.id)).items()}

# The job asking for workers: what matching and the ownership check read, and its skills
# ([code, raw] in position order).
JOB_SELF = _both(lambda d: select(
    Job.id, Job.status, Job.employer_id, Job.registered_by_market_id, Job.lat, Job.lng,
    Job.radius_km, Job.wage_amount, Job.wage_unit, Job.urgent, Job.starts_at, Job.ends_at,
    Job.shifts, Job.req_gender, Job.req_min_age, Job.req_max_age, Job.req_certificates,
    _json_list(d, (JobSkill.skill_code, JobSkill.raw), JobSkill.job_id, Job.id,
               JobSkill.position).label("skills"),
).where(Job.id == bindparam("job_id")))

# The worker asking for jobs: its own columns and skills ([code, raw, similarity, years]).
WORKER_SELF = _both(lambda d: select(
    Worker.id, Worker.status, Worker.birth_date, Worker.gender, Worker.certificates,
    Worker.availability, Worker.available_from_date, Worker.available_until_date,
    Worker.home_lat, Worker.home_lng, Worker.max_travel_km, Worker.min_wage_amount,
    Worker.min_wage_unit, Worker.reliability,
    _json_list(d, (WorkerSkill.skill_code, WorkerSkill.raw, WorkerSkill.similarity,
                   WorkerSkill.years), WorkerSkill.worker_id, Worker.id,
               WorkerSkill.position).label("skills"),
).where(Worker.id == bindparam("worker_id")))


def _dialect(session: AsyncSession) -> str:
    return "postgresql" if session.bind.dialect.name == "postgresql" else "sqlite"


async def _execute(session: AsyncSession, stmts: dict, params: dict):
    # Core execution on the session's connection: these are column selects, and the ORM
    # layer around session.execute cost more than the round trip.
    conn = await session.connection()
    return await conn.execute(stmts[_dialect(session)], params)


async def run(session: AsyncSession, stmts: dict, ids: list[int], **params) -> list[Row]:
    return (await _execute(session, stmts, {"ids": list(ids), **params})).all()


async def one(session: AsyncSession, stmts: dict, **params) -> Row | None:
    return (await _execute(session, stmts, params)).first()


def names(value) -> list[str]:
    """A skill_names column: a JSON array of one-element arrays (None when there are none)."""
    return [raw for (raw,) in value or ()]
