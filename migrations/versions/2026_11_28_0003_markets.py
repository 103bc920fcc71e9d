"""markets: profile fields, compliance standards and market assessments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Static on purpose: no imports from app, so later model changes never rewrite history.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("markets") as batch:
        batch.add_column(sa.Column("operating_mode", sa.String(length=30), nullable=True))
        batch.add_column(sa.Column("opening_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("operator", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("service_hotline", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("opening_hours", sa.String(length=100), nullable=True))
        batch.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )

    op.create_table(
        "compliance_standards",
        sa.Column("id", BigId, nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("published_by_key_id", BigId, nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_standards")),
        sa.UniqueConstraint("version", name=op.f("uq_compliance_standards_version")),
    )

    op.create_table(
        "market_assessments",
        sa.Column("id", BigId, nullable=False),
        sa.Column("market_id", BigId, nullable=False),
        sa.Column("standard_version", sa.String(length=40), nullable=False),
        sa.Column("assessor_role", sa.String(length=20), nullable=False),
        sa.Column("submitted_by_key_id", BigId, nullable=True),
        sa.Column("as_of_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scale", sa.String(length=20), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("submitted_values", sa.JSON(), nullable=False),
        sa.Column("computed_values", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verified_by_key_id", BigId, nullable=True),
        sa.Column("verified_values", sa.JSON(), nullable=True),
        sa.Column("verified_result", sa.JSON(), nullable=True),
        sa.Column("differences", sa.JSON(), nullable=True),
        sa.Column("verification_note", sa.String(length=500), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("rating", sa.String(length=20), nullable=False),
        sa.Column("effective_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["market_id"], ["markets.id"], name=op.f("fk_market_assessments_market_id_markets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_assessments")),
    )
    op.create_index(
        "ix_market_assessments_market_current", "market_assessments",
        ["market_id", "verified", "effective_at"], unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_market_assessments_market_current", table_name="market_assessments")
    op.drop_table("market_assessments")
    op.drop_table("compliance_standards")
    with op.batch_alter_table("markets") as batch:
        batch.drop_column("version")
        batch.drop_column("opening_hours")
        batch.drop_column("service_hotline")
        batch.drop_column("operator")
        batch.drop_column("opening_date")
        batch.drop_column("operating_mode")
