"""worker_match_changes.created_at and worker_match_change_horizon: the match-change log can be
pruned; a process whose watermark is at or below the pruned horizon reloads its index

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no server default: SQLite cannot add a column defaulting to the time. Rows
    # logged before this revision keep NULL and count as old.
    op.add_column("worker_match_changes",
                  sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_worker_match_changes_created_at", "worker_match_changes",
                    ["created_at"])
    horizon = op.create_table(
        "worker_match_change_horizon",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pruned_seq", sa.BigInteger(), nullable=True),
        sa.Column("pruned_xid", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker_match_change_horizon")),
    )
    op.bulk_insert(horizon, [{"id": 1, "pruned_seq": None, "pruned_xid": None}])


def downgrade() -> None:
    op.drop_table("worker_match_change_horizon")
    op.drop_index("ix_worker_match_changes_created_at", table_name="worker_match_changes")
    with op.batch_alter_table("worker_match_changes") as batch:
        batch.drop_column("created_at")
