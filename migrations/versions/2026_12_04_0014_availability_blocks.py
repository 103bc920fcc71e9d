"""worker_match_keys.avail_mask and job_match_keys.blocks: the week blocks a worker's
availability and a posting's shifts touch, so matching drops provably unavailable pairs before
ranking them

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

import json
from collections.abc import Sequence
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INCLUDE_BEFORE = [
    "worker_id", "lat", "similarity", "years", "raw", "max_travel_km", "cat_mask", "any_time",
    "min_wage_amount", "min_wage_unit", "reliability",
]
INDEX_COLUMNS = ["skill_key", "tier", "band", "lng"]
JOB_INCLUDE_BEFORE = [
    "job_id", "lat", "raw", "radius_km", "wage_amount", "wage_unit", "urgent", "starts_at",
    "ends_at", "skill_codes", "n_skills",
]
JOB_INDEX_COLUMNS = ["skill_key", "band", "lng"]

# Static copy of app/matching/keys.py as of this revision: bit (weekday - 1) * 8 + k is the
# 3-hour block k of that weekday; a window sets every block it touches.
BLOCK_MINUTES, BLOCKS_PER_DAY = 180, 8
ANY_TIME_MASK = (1 << 56) - 1


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _mask(availability) -> int:
    if isinstance(availability, str):  # SQLite hands JSON back as text ('null' included)
        availability = json.loads(availability)
    if availability is None:
        return ANY_TIME_MASK
    mask = 0
    for w in availability:
        start, end = _minutes(w["start"]), _minutes(w["end"])
        if end > start:
            first, last = start // BLOCK_MINUTES, (end - 1) // BLOCK_MINUTES
            mask |= (((1 << (last - first + 1)) - 1) << first) << ((w["weekday"] - 1) * 8)
    return mask


def _recreate_indexes(worker_include: list[str], job_include: list[str]) -> None:
    op.drop_index("ix_worker_match_keys_lookup", table_name="worker_match_keys")
    op.create_index("ix_worker_match_keys_lookup", "worker_match_keys", INDEX_COLUMNS,
                    postgresql_include=worker_include)
    op.drop_index("ix_job_match_keys_lookup", table_name="job_match_keys")
    op.create_index("ix_job_match_keys_lookup", "job_match_keys", JOB_INDEX_COLUMNS,
                    postgresql_include=job_include)


def _backfill_job_blocks(bind) -> None:
    """A posting's blocks come from its shift pattern, which takes the posting rules' own
    schedule code (Asia/Shanghai days, daily hours of multi-day postings): derived data, so
    like 0005's backfill this uses the running code's key function."""
    from app.matching.keys import needs_mask
    from app.matching.rules import job_schedule

    keys = sa.table("job_match_keys", sa.column("job_id"), sa.column("blocks"))
    jobs = sa.table("jobs", sa.column("id"), sa.column("starts_at", sa.DateTime(timezone=True)),
                    sa.column("ends_at", sa.DateTime(timezone=True)), sa.column("shifts", sa.JSON))
    indexed = sa.select(jobs.c.id, jobs.c.starts_at, jobs.c.ends_at, jobs.c.shifts).where(
        jobs.c.id.in_(sa.select(keys.c.job_id).distinct()))
    update = keys.update().where(keys.c.job_id == sa.bindparam("jid")).values(
        blocks=sa.bindparam("mask"))

    def masks():
        for jid, starts_at, ends_at, shifts in bind.execute(indexed):
            if starts_at.tzinfo is None:  # SQLite keeps no offset; the values are UTC
                starts_at, ends_at = starts_at.replace(tzinfo=UTC), ends_at.replace(tzinfo=UTC)
            needs, _first, _last = job_schedule(starts_at, ends_at, shifts)
            yield {"jid": jid, "mask": needs_mask(needs)}

    _in_batches(bind, update, masks())


def _in_batches(bind, update, rows) -> None:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= 5000:
            bind.execute(update, batch)
            batch = []
    if batch:
        bind.execute(update, batch)


def upgrade() -> None:
    op.add_column("worker_match_keys", sa.Column("avail_mask", sa.BigInteger(), nullable=True))
    bind = op.get_bind()
    keys = sa.table("worker_match_keys", sa.column("worker_id"), sa.column("avail_mask"))
    workers = sa.table("workers", sa.column("id"), sa.column("availability"))
    indexed = sa.select(workers.c.id, workers.c.availability).where(
        workers.c.id.in_(sa.select(keys.c.worker_id).distinct()))
    update = keys.update().where(keys.c.worker_id == sa.bindparam("wid")).values(
        avail_mask=sa.bindparam("mask"))
    _in_batches(bind, update, ({"wid": wid, "mask": _mask(availability)}
                               for wid, availability in bind.execute(indexed)))
    op.add_column("job_match_keys", sa.Column("blocks", sa.BigInteger(), nullable=True))
    _backfill_job_blocks(bind)
    _recreate_indexes([*INCLUDE_BEFORE, "avail_mask"], [*JOB_INCLUDE_BEFORE, "blocks"])
    # Running API processes re-read every worker's rows (a NULL entry: all of them).
    xid = "pg_current_xact_id()::text::bigint" if bind.dialect.name == "postgresql" else "NULL"
    op.execute(f"INSERT INTO worker_match_changes (worker_id, xid) VALUES (NULL, {xid})")


def downgrade() -> None:
    _recreate_indexes(INCLUDE_BEFORE, JOB_INCLUDE_BEFORE)
    with op.batch_alter_table("worker_match_keys") as batch_op:
        batch_op.drop_column("avail_mask")
    with op.batch_alter_table("job_match_keys") as batch_op:
        batch_op.drop_column("blocks")
