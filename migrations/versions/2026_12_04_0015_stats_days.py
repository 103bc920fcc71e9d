"""stats_days: the per-posting statistics facts folded by Shanghai day, district and employment
type, with the values medians are taken of packed in each row; the watermark is reset so the
next sweep builds them (until then reports derive every posting from the raw rows)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "stats_days",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day_date", sa.Date(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("employment_type", sa.String(length=20), nullable=False),
        sa.Column("postings", sa.Integer(), nullable=False),
        sa.Column("positions", sa.Integer(), nullable=False),
        sa.Column("filled", sa.Integer(), nullable=False),
        sa.Column("fill_values", sa.LargeBinary(), nullable=False),
        sa.Column("match_values", sa.LargeBinary(), nullable=False),
        sa.Column("wage_values", sa.LargeBinary(), nullable=False),
        sa.Column("wage_units", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_days")),
        sa.UniqueConstraint("day_date", "district_code", "employment_type",
                            name=op.f("uq_stats_days_day_date_district_code_employment_type")),
    )
    # Reports read the facts by market (a market's own dashboard) now that the days serve
    # the city-wide ones.
    op.create_index("ix_stats_job_facts_market_id", "stats_job_facts",
                    ["market_id", "published_at"])
    # The days are empty: a report must not read them before a full sweep has built them.
    op.execute("UPDATE stats_rollup_state SET watermark_at = NULL")


def downgrade() -> None:
    op.drop_index("ix_stats_job_facts_market_id", table_name="stats_job_facts")
    op.drop_table("stats_days")
