"""worker_match_changes: the log API processes read to keep their in-memory match index fresh

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Static on purpose: no imports from app, so later model changes never rewrite history.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "worker_match_changes",
        sa.Column("seq", BigId, primary_key=True, autoincrement=True),
        # NULL: every worker (a rebuild of worker_match_keys).
        sa.Column("worker_id", sa.BigInteger(), nullable=True),
        # The writing transaction's id on PostgreSQL (NULL on SQLite).
        sa.Column("xid", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_worker_match_changes")),
    )
    op.create_index(op.f("ix_worker_match_changes_xid"), "worker_match_changes", ["xid"])


def downgrade() -> None:
    op.drop_index(op.f("ix_worker_match_changes_xid"), table_name="worker_match_changes")
    op.drop_table("worker_match_changes")
