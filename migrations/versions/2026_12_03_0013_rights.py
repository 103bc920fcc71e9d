"""rights on the record: agreements, injury protection per engagement, complaints, licensed
agencies, individual employers, the new-forms register

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Static on purpose: no imports from app, so later model changes never rewrite history.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]


def upgrade() -> None:
    with op.batch_alter_table("employers") as batch:
        batch.alter_column("credit_code", existing_type=sa.String(length=18), nullable=True)
        batch.add_column(sa.Column("licence_no", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("licence_expiry_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("substantiated_complaints", sa.Integer(),
                                   server_default=sa.text("0"), nullable=False))
        batch.add_column(sa.Column("posting_blocked_at", sa.DateTime(timezone=True),
                                   nullable=True))
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("agreement_required", sa.Boolean(),
                                   server_default=sa.text("false"), nullable=False))
        batch.add_column(sa.Column("on_behalf_of_employer_id", BigId, nullable=True))
        batch.add_column(sa.Column("subcontract_chain", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("subcontract_flagged", sa.Boolean(),
                                   server_default=sa.text("false"), nullable=False))
        batch.add_column(sa.Column("suspension_reason", sa.String(length=200), nullable=True))
        batch.create_foreign_key(op.f("fk_jobs_on_behalf_of_employer_id_employers"), "employers",
                                 ["on_behalf_of_employer_id"], ["id"])
    op.create_table(
        "agreements",
        sa.Column("id", BigId, nullable=False),
        sa.Column("engagement_id", BigId, nullable=False),
        sa.Column("worker_id", BigId, nullable=False),
        sa.Column("employer_id", BigId, nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("employer_code_hash", sa.String(length=64), nullable=True),
        sa.Column("employer_code_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker_code_hash", sa.String(length=64), nullable=True),
        sa.Column("worker_code_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("employer_signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("employer_signed_by_key_id", BigId, nullable=True),
        sa.Column("worker_signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker_signed_by_key_id", BigId, nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_key_id", BigId, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagements.id"],
                                name=op.f("fk_agreements_engagement_id_engagements")),
        sa.ForeignKeyConstraint(["worker_id"], ["workers.id"],
                                name=op.f("fk_agreements_worker_id_workers")),
        sa.ForeignKeyConstraint(["employer_id"], ["employers.id"],
                                name=op.f("fk_agreements_employer_id_employers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
        sa.UniqueConstraint("engagement_id", name=op.f("uq_agreements_engagement_id")),
    )
    op.create_index("ix_agreements_worker_id", "agreements", ["worker_id"])
    op.create_index("ix_agreements_employer_id", "agreements", ["employer_id"])
    op.create_table(
        "engagement_protections",
        sa.Column("id", BigId, nullable=False),
        sa.Column("engagement_id", BigId, nullable=False),
        sa.Column("employer_id", BigId, nullable=False),
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("insurer", sa.String(length=120), nullable=True),
        sa.Column("policy_no", sa.String(length=60), nullable=True),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("evidence_url", sa.String(length=500), nullable=True),
        sa.Column("recorded_by_key_id", BigId, nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagements.id"],
                                name=op.f("fk_engagement_protections_engagement_id_engagements")),
        sa.ForeignKeyConstraint(["employer_id"], ["employers.id"],
                                name=op.f("fk_engagement_protections_employer_id_employers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_engagement_protections")),
        sa.UniqueConstraint("engagement_id", name=op.f("uq_engagement_protections_engagement_id")),
    )
    op.create_index("ix_engagement_protections_employer_id", "engagement_protections",
                    ["employer_id"])
    # The old per-job boolean becomes a record on each engagement's employer side: platforms
    # claimed 职业伤害保障 (the pilot), other employers work-injury insurance.
    op.execute(
        "INSERT INTO engagement_protections (engagement_id, employer_id, type, created_at,"
        " updated_at) SELECT e.id, e.employer_id, CASE WHEN em.kind = 'platform'"
        " THEN 'occupational_injury_pilot' ELSE 'work_injury' END, e.created_at, e.created_at"
        " FROM engagements e JOIN jobs j ON j.id = e.job_id"
        " JOIN employers em ON em.id = e.employer_id WHERE j.injury_protection"
    )
    op.create_table(
        "reported_engagements",
        sa.Column("id", BigId, nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("employer_id", BigId, nullable=False),
        sa.Column("worker_ref", sa.String(length=100), nullable=False),
        sa.Column("occupation", sa.String(length=30), nullable=False),
        sa.Column("agreement_kind", sa.String(length=30), nullable=True),
        sa.Column("week_start_date", sa.Date(), nullable=False),
        sa.Column("weekly_minutes", sa.Integer(), nullable=False),
        sa.Column("protection_type", sa.String(length=30), nullable=False),
        sa.Column("insurer", sa.String(length=120), nullable=True),
        sa.Column("policy_no", sa.String(length=60), nullable=True),
        sa.Column("arrears_fen", sa.Integer(), nullable=False),
        sa.Column("reported_by_key_id", BigId, nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(["employer_id"], ["employers.id"],
                                name=op.f("fk_reported_engagements_employer_id_employers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reported_engagements")),
    )
    op.create_index("ix_reported_engagements_employer_id", "reported_engagements",
                    ["employer_id"])
    op.create_index("uq_reported_engagements_source_external_id", "reported_engagements",
                    ["source", "external_id"], unique=True)
    op.create_table(
        "complaints",
        sa.Column("id", BigId, nullable=False),
        sa.Column("subject_type", sa.String(length=20), nullable=False),
        sa.Column("subject_id", BigId, nullable=False),
        sa.Column("employer_id", BigId, nullable=False),
        sa.Column("job_id", BigId, nullable=True),
        sa.Column("engagement_id", BigId, nullable=True),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column("complainant_role", sa.String(length=20), nullable=False),
        sa.Column("complainant_key_id", BigId, nullable=False),
        sa.Column("complainant_worker_id", BigId, nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_market_id", BigId, nullable=True),
        sa.Column("assigned_inspector_key_id", BigId, nullable=True),
        sa.Column("outcome_note", sa.String(length=1000), nullable=True),
        sa.Column("posting_suspended", sa.Boolean(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_key_id", BigId, nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["employer_id"], ["employers.id"],
                                name=op.f("fk_complaints_employer_id_employers")),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_complaints_job_id_jobs")),
        sa.ForeignKeyConstraint(["engagement_id"], ["engagements.id"],
                                name=op.f("fk_complaints_engagement_id_engagements")),
        sa.ForeignKeyConstraint(["assigned_market_id"], ["markets.id"],
                                name=op.f("fk_complaints_assigned_market_id_markets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaints")),
    )
    op.create_index("ix_complaints_employer_id", "complaints", ["employer_id"])
    op.create_index("ix_complaints_complainant_key_id", "complaints", ["complainant_key_id"])
    op.create_index("ix_complaints_assigned_market_id", "complaints", ["assigned_market_id"])
    op.create_index("ix_complaints_status_deadline_at", "complaints", ["status", "deadline_at"])


def downgrade() -> None:
    op.drop_table("complaints")
    op.drop_table("reported_engagements")
    op.drop_table("engagement_protections")
    op.drop_table("agreements")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint(op.f("fk_jobs_on_behalf_of_employer_id_employers"),
                              type_="foreignkey")
        batch.drop_column("suspension_reason")
        batch.drop_column("subcontract_flagged")
        batch.drop_column("subcontract_chain")
        batch.drop_column("on_behalf_of_employer_id")
        batch.drop_column("agreement_required")
    # Individual employers have no credit code; they cannot survive the old NOT NULL.
    op.execute("DELETE FROM employers WHERE credit_code IS NULL AND id NOT IN"
               " (SELECT employer_id FROM jobs) AND id NOT IN (SELECT employer_id FROM engagements)")
    with op.batch_alter_table("employers") as batch:
        batch.drop_column("posting_blocked_at")
        batch.drop_column("substantiated_complaints")
        batch.drop_column("licence_expiry_date")
        batch.drop_column("licence_no")
        batch.alter_column("credit_code", existing_type=sa.String(length=18), nullable=False)
