"""matching: worker and job match keys (skill × travel tier × latitude band × longitude)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC_DT = sa.DateTime(timezone=True)

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORKER_INCLUDE = [
    "worker_id", "lat", "similarity", "years", "raw", "max_travel_km", "cat_mask", "any_time",
    "min_wage_amount", "min_wage_unit", "reliability",
]
JOB_INCLUDE = [
    "job_id", "lat", "raw", "radius_km", "wage_amount", "wage_unit", "urgent", "starts_at",
    "ends_at", "skill_codes", "n_skills",
]


def upgrade() -> None:
    op.create_table('worker_match_keys',
    sa.Column('worker_id', BigId, nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('skill_key', sa.String(length=60), nullable=False),
    sa.Column('raw', sa.String(length=60), nullable=True),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.Column('years', sa.Float(), nullable=True),
    sa.Column('tier', sa.SmallInteger(), nullable=False),
    sa.Column('band', sa.Integer(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('max_travel_km', sa.Float(), nullable=False),
    sa.Column('cat_mask', sa.BigInteger(), nullable=False),
    sa.Column('any_time', sa.Boolean(), nullable=False),
    sa.Column('min_wage_amount', sa.Integer(), nullable=True),
    sa.Column('min_wage_unit', sa.String(length=10), nullable=True),
    sa.Column('reliability', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_worker_match_keys_worker_id_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('worker_id', 'position', name=op.f('pk_worker_match_keys'))
    )
    op.create_index('ix_worker_match_keys_lookup', 'worker_match_keys',
                    ['skill_key', 'tier', 'band', 'lng'], postgresql_include=WORKER_INCLUDE)
    op.create_table('job_match_keys',
    sa.Column('job_id', BigId, nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('skill_key', sa.String(length=60), nullable=False),
    sa.Column('raw', sa.String(length=60), nullable=True),
    sa.Column('band', sa.Integer(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('radius_km', sa.Float(), nullable=True),
    sa.Column('wage_amount', sa.Integer(), nullable=False),
    sa.Column('wage_unit', sa.String(length=10), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('starts_at', UTC_DT, nullable=False),
    sa.Column('ends_at', UTC_DT, nullable=False),
    sa.Column('skill_codes', sa.String(length=700), nullable=False),
    sa.Column('n_skills', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_match_keys_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'position', name=op.f('pk_job_match_keys'))
    )
    op.create_index('ix_job_match_keys_lookup', 'job_match_keys',
                    ['skill_key', 'band', 'lng'], postgresql_include=JOB_INCLUDE)
    _backfill()


def _backfill() -> None:
    """Existing workers and jobs get their rows. The rows are derived data: this uses the
    key functions of the running code (app.matching.keys), which is what queries expect."""
    from app.matching.keys import job_key_rows, worker_key_rows

    bind = op.get_bind()
    meta = sa.MetaData()
    workers = sa.Table('workers', meta, autoload_with=bind)
    worker_skills = sa.Table('worker_skills', meta, autoload_with=bind)
    jobs = sa.Table('jobs', meta, autoload_with=bind)
    job_skills = sa.Table('job_skills', meta, autoload_with=bind)
    wmk = sa.Table('worker_match_keys', meta, autoload_with=bind)
    jmk = sa.Table('job_match_keys', meta, autoload_with=bind)
    for owner, skills, key, fk, build, target in (
        (workers, worker_skills, "worker_id", "id", worker_key_rows, wmk),
        (jobs, job_skills, "job_id", "id", job_key_rows, jmk),
    ):
        by_owner: dict[int, list[dict]] = {}
        for row in bind.execute(sa.select(skills).order_by(skills.c[key], skills.c.position)):
            by_owner.setdefault(row._mapping[key], []).append(dict(row._mapping))
        batch: list[dict] = []
        # Only this revision's columns: later revisions add to the rows the code builds.
        cols = set(target.c.keys())
        for row in bind.execute(sa.select(owner)):
            batch.extend({k: v for k, v in r.items() if k in cols}
                         for r in build(dict(row._mapping), by_owner.get(row._mapping[fk], [])))
            if len(batch) >= 5000:
                bind.execute(target.insert(), batch)
                batch = []
        if batch:
            bind.execute(target.insert(), batch)


def downgrade() -> None:
    op.drop_index('ix_job_match_keys_lookup', table_name='job_match_keys')
    op.drop_table('job_match_keys')
    op.drop_index('ix_worker_match_keys_lookup', table_name='worker_match_keys')
    op.drop_table('worker_match_keys')
