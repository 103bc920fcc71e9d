"""subsidies and statistics: yearly subsidy parameters, declared occupation, stats indexes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Static on purpose: no imports from app, so later model changes never rewrite history.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, columns): what the statistics queries filter, group and join on.
STATS_INDEXES = (
    ("ix_jobs_published_at", "jobs", ["published_at"]),
    ("ix_jobs_registered_by_market_id", "jobs", ["registered_by_market_id"]),
    ("ix_engagements_created_at", "engagements", ["created_at"]),
    ("ix_engagements_job_id_created_at", "engagements", ["job_id", "created_at"]),
    ("ix_applications_job_id_created_at", "applications", ["job_id", "created_at"]),
    ("ix_offers_job_id_created_at", "offers", ["job_id", "created_at"]),
    ("ix_workers_registered_by_market_id", "workers", ["registered_by_market_id"]),
    ("ix_workers_district_code", "workers", ["district_code"]),
)


def upgrade() -> None:
    op.create_table(
        "subsidy_parameters",
        sa.Column("id", BigId, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("pension_lowest_fen", sa.Integer(), nullable=False),
        sa.Column("medical_lowest_fen", sa.Integer(), nullable=False),
        sa.Column("eligible_job_types", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("updated_by_key_id", BigId, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("pension_lowest_fen > 0",
                           name=op.f("ck_subsidy_parameters_pension_positive")),
        sa.CheckConstraint("medical_lowest_fen > 0",
                           name=op.f("ck_subsidy_parameters_medical_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subsidy_parameters")),
        sa.UniqueConstraint("year", name=op.f("uq_subsidy_parameters_year")),
    )
    with op.batch_alter_table("workers") as batch:
        batch.add_column(sa.Column("occupation", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("occupation_code", sa.String(length=60), nullable=True))
    for name, table, columns in STATS_INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(STATS_INDEXES):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("workers") as batch:
        batch.drop_column("occupation_code")
        batch.drop_column("occupation")
    op.drop_table("subsidy_parameters")
