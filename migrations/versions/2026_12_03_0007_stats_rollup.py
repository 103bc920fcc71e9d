"""statistics roll-up: per-posting facts, the sweep's watermark, updated_at indexes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Static on purpose: no imports from app, so later model changes never rewrite history.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the sweep (and each report, for what the sweep has not folded in yet) finds changes by.
UPDATED_AT_TABLES = ("jobs", "engagements", "applications", "offers", "workers")


def upgrade() -> None:
    op.create_table(
        "stats_job_facts",
        sa.Column("job_id", BigId, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("employment_type", sa.String(length=20), nullable=False),
        sa.Column("market_id", BigId, nullable=True),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("wage_unit", sa.String(length=10), nullable=False),
        sa.Column("wage_amount", sa.Integer(), nullable=False),
        sa.Column("filled", sa.Integer(), nullable=False),
        sa.Column("fill_s", sa.Float(), nullable=True),
        sa.Column("match_s", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], ondelete="CASCADE",
                                name=op.f("fk_stats_job_facts_job_id_jobs")),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_stats_job_facts")),
    )
    op.create_index("ix_stats_job_facts_published_at", "stats_job_facts", ["published_at"])
    op.create_table(
        "stats_worker_facts",
        sa.Column("worker_id", BigId, nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("market_id", BigId, nullable=True),
        sa.Column("groups_mask", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"], ondelete="CASCADE",
                                name=op.f("fk_stats_worker_facts_worker_id_workers")),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_stats_worker_facts")),
    )
    op.create_table(
        "stats_worker_counts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("market_id", BigId, nullable=True),
        sa.Column("groups_mask", sa.Integer(), nullable=False),
        sa.Column("workers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_worker_counts")),
    )
    state = op.create_table(
        "stats_rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watermark_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_rollup_state")),
    )
    op.bulk_insert(state, [{"id": 1, "watermark_at": None}])
    for table in UPDATED_AT_TABLES:
        op.create_index(f"ix_{table}_updated_at", table, ["updated_at"])


def downgrade() -> None:
    for table in UPDATED_AT_TABLES:
        op.drop_index(f"ix_{table}_updated_at", table_name=table)
    op.drop_table("stats_rollup_state")
    op.drop_table("stats_worker_counts")
    op.drop_table("stats_worker_facts")
    op.drop_index("ix_stats_job_facts_published_at", table_name="stats_job_facts")
    op.drop_table("stats_job_facts")
