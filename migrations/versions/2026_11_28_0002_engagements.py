"""engagements: applications, offers, attendance, hours disputes, payments, ratings

Extends the foundation's engagements table and adds jobs.injury_protection (职业伤害保障).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Static on purpose: no imports from app, so later model changes never rewrite history.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('applications',
    sa.Column('id', BigId, nullable=False),
    sa.Column('job_id', BigId, nullable=False),
    sa.Column('worker_id', BigId, nullable=False),
    sa.Column('employer_id', BigId, nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('engagement_id', BigId, nullable=True),
    sa.Column('created_by_key_id', BigId, nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_applications_employer_id_employers')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'], name=op.f('fk_applications_engagement_id_engagements')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_applications_job_id_jobs')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_applications_worker_id_workers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications'))
    )
    op.create_index(op.f('ix_applications_employer_id'), 'applications', ['employer_id'], unique=False)
    op.create_index('ix_applications_job_status', 'applications', ['job_id', 'status'], unique=False)
    op.create_index(op.f('ix_applications_worker_id'), 'applications', ['worker_id'], unique=False)
    op.create_index('uq_applications_job_worker_pending', 'applications', ['job_id', 'worker_id'], unique=True, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
    op.create_table('hours_disputes',
    sa.Column('id', BigId, nullable=False),
    sa.Column('engagement_id', BigId, nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('claimed_minutes', sa.Integer(), nullable=True),
    sa.Column('claimed_pieces', sa.Integer(), nullable=True),
    sa.Column('proposed_minutes', sa.Integer(), nullable=True),
    sa.Column('proposed_pieces', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('raised_by_key_id', BigId, nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolution', sa.String(length=30), nullable=True),
    sa.Column('resolved_minutes', sa.Integer(), nullable=True),
    sa.Column('resolved_pieces', sa.Integer(), nullable=True),
    sa.Column('resolution_note', sa.String(length=500), nullable=True),
    sa.Column('resolved_by_key_id', BigId, nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'], name=op.f('fk_hours_disputes_engagement_id_engagements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hours_disputes'))
    )
    op.create_index(op.f('ix_hours_disputes_engagement_id'), 'hours_disputes', ['engagement_id'], unique=False)
    op.create_table('offers',
    sa.Column('id', BigId, nullable=False),
    sa.Column('job_id', BigId, nullable=False),
    sa.Column('worker_id', BigId, nullable=False),
    sa.Column('employer_id', BigId, nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('agreement_type', sa.String(length=30), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('engagement_id', BigId, nullable=True),
    sa.Column('created_by_key_id', BigId, nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_offers_employer_id_employers')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'], name=op.f('fk_offers_engagement_id_engagements')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_offers_job_id_jobs')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_offers_worker_id_workers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers'))
    )
    op.create_index(op.f('ix_offers_employer_id'), 'offers', ['employer_id'], unique=False)
    op.create_index('ix_offers_job_status', 'offers', ['job_id', 'status'], unique=False)
    op.create_index('ix_offers_status_expires_at', 'offers', ['status', 'expires_at'], unique=False)
    op.create_index(op.f('ix_offers_worker_id'), 'offers', ['worker_id'], unique=False)
    op.create_index('uq_offers_job_worker_pending', 'offers', ['job_id', 'worker_id'], unique=True, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
    op.create_table('payments',
    sa.Column('id', BigId, nullable=False),
    sa.Column('engagement_id', BigId, nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('recorded_by_key_id', BigId, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'], name=op.f('fk_payments_engagement_id_engagements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    op.create_index(op.f('ix_payments_engagement_id'), 'payments', ['engagement_id'], unique=False)
    op.create_table('ratings',
    sa.Column('id', BigId, nullable=False),
    sa.Column('engagement_id', BigId, nullable=False),
    sa.Column('rater', sa.String(length=10), nullable=False),
    sa.Column('worker_id', BigId, nullable=False),
    sa.Column('employer_id', BigId, nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=True),
    sa.Column('created_by_key_id', BigId, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_ratings_score_range')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_ratings_employer_id_employers')),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'], name=op.f('fk_ratings_engagement_id_engagements')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_ratings_worker_id_workers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('engagement_id', 'rater', name=op.f('uq_ratings_engagement_id_rater'))
    )
    op.create_index(op.f('ix_ratings_employer_id'), 'ratings', ['employer_id'], unique=False)
    op.create_index(op.f('ix_ratings_worker_id'), 'ratings', ['worker_id'], unique=False)
    op.add_column('engagements', sa.Column('source', sa.String(length=20), nullable=True))
    op.add_column('engagements', sa.Column('agreement_type', sa.String(length=30), nullable=True))
    op.add_column('engagements', sa.Column('wage_amount', sa.Integer(), nullable=True))
    op.add_column('engagements', sa.Column('wage_unit', sa.String(length=10), nullable=True))
    op.add_column('engagements', sa.Column('wage_settlement', sa.String(length=20), nullable=True))
    op.add_column('engagements', sa.Column('hired_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('engagements', sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('engagements', sa.Column('check_in_lat', sa.Float(), nullable=True))
    op.add_column('engagements', sa.Column('check_in_lng', sa.Float(), nullable=True))
    op.add_column('engagements', sa.Column('check_in_distance_m', sa.Float(), nullable=True))
    op.add_column('engagements', sa.Column('check_in_flagged', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('engagements', sa.Column('checked_out_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('engagements', sa.Column('check_out_lat', sa.Float(), nullable=True))
    op.add_column('engagements', sa.Column('check_out_lng', sa.Float(), nullable=True))
    op.add_column('engagements', sa.Column('check_out_distance_m', sa.Float(), nullable=True))
    op.add_column('engagements', sa.Column('check_out_flagged', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('engagements', sa.Column('worked_minutes', sa.Integer(), nullable=True))
    op.add_column('engagements', sa.Column('reported_pieces', sa.Integer(), nullable=True))
    op.add_column('engagements', sa.Column('hours_status', sa.String(length=20), nullable=True))
    op.add_column('engagements', sa.Column('confirmed_minutes', sa.Integer(), nullable=True))
    op.add_column('engagements', sa.Column('confirmed_pieces', sa.Integer(), nullable=True))
    op.add_column('engagements', sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('engagements', sa.Column('pay_due_fen', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.add_column('engagements', sa.Column('paid_fen', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.add_column('engagements', sa.Column('due_date', sa.Date(), nullable=True))
    op.add_column('engagements', sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('engagements', sa.Column('overdue_notified_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('engagements', sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('engagements', sa.Column('cancel_reason', sa.String(length=500), nullable=True))
    op.add_column('engagements', sa.Column('late_cancellation', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('engagements', sa.Column('no_show_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_engagements_status_due_date', 'engagements', ['status', 'due_date'], unique=False)
    op.create_index('ix_engagements_status_starts_at', 'engagements', ['status', 'starts_at'], unique=False)
    op.add_column('jobs', sa.Column('injury_protection', sa.Boolean(), server_default=sa.text('false'), nullable=False))


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35): no table rebuild, so no cascades.
    op.drop_index(op.f('ix_ratings_worker_id'), table_name='ratings')
    op.drop_index(op.f('ix_ratings_employer_id'), table_name='ratings')
    op.drop_table('ratings')
    op.drop_index(op.f('ix_payments_engagement_id'), table_name='payments')
    op.drop_table('payments')
    op.drop_index('uq_offers_job_worker_pending', table_name='offers', postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
    op.drop_index(op.f('ix_offers_worker_id'), table_name='offers')
    op.drop_index('ix_offers_status_expires_at', table_name='offers')
    op.drop_index('ix_offers_job_status', table_name='offers')
    op.drop_index(op.f('ix_offers_employer_id'), table_name='offers')
    op.drop_table('offers')
    op.drop_index(op.f('ix_hours_disputes_engagement_id'), table_name='hours_disputes')
    op.drop_table('hours_disputes')
    op.drop_index('uq_applications_job_worker_pending', table_name='applications', postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
    op.drop_index(op.f('ix_applications_worker_id'), table_name='applications')
    op.drop_index('ix_applications_job_status', table_name='applications')
    op.drop_index(op.f('ix_applications_employer_id'), table_name='applications')
    op.drop_table('applications')
    op.drop_index('ix_engagements_status_starts_at', table_name='engagements')
    op.drop_index('ix_engagements_status_due_date', table_name='engagements')
    op.drop_column('engagements', 'no_show_at')
    op.drop_column('engagements', 'late_cancellation')
    op.drop_column('engagements', 'cancel_reason')
    op.drop_column('engagements', 'cancelled_at')
    op.drop_column('engagements', 'overdue_notified_at')
    op.drop_column('engagements', 'paid_at')
    op.drop_column('engagements', 'due_date')
    op.drop_column('engagements', 'paid_fen')
    op.drop_column('engagements', 'pay_due_fen')
    op.drop_column('engagements', 'completed_at')
    op.drop_column('engagements', 'confirmed_pieces')
    op.drop_column('engagements', 'confirmed_minutes')
    op.drop_column('engagements', 'hours_status')
    op.drop_column('engagements', 'reported_pieces')
    op.drop_column('engagements', 'worked_minutes')
    op.drop_column('engagements', 'check_out_flagged')
    op.drop_column('engagements', 'check_out_distance_m')
    op.drop_column('engagements', 'check_out_lng')
    op.drop_column('engagements', 'check_out_lat')
    op.drop_column('engagements', 'checked_out_at')
    op.drop_column('engagements', 'check_in_flagged')
    op.drop_column('engagements', 'check_in_distance_m')
    op.drop_column('engagements', 'check_in_lng')
    op.drop_column('engagements', 'check_in_lat')
    op.drop_column('engagements', 'checked_in_at')
    op.drop_column('engagements', 'hired_at')
    op.drop_column('engagements', 'wage_settlement')
    op.drop_column('engagements', 'wage_unit')
    op.drop_column('engagements', 'wage_amount')
    op.drop_column('engagements', 'agreement_type')
    op.drop_column('engagements', 'source')
    op.drop_column('jobs', 'injury_protection')
