"""disputed wages: the part of the worker's claimed wages an open hours dispute contests

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("engagements") as batch:
        batch.add_column(
            sa.Column("disputed_fen", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("engagements") as batch:
        batch.drop_column("disputed_fen")
