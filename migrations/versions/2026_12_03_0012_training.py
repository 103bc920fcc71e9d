"""training (policy items 十一/十二): the "3+" catalogues and their history, courses,
enrolments, 满天星 vouchers and their yearly programme, training wishes; worker_skills.source

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 22:52:14.144622
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Static on purpose: no imports from app, so later model changes never rewrite history.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = '0012'
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('training_catalogue_history',
    sa.Column('id', BigId, nullable=False),
    sa.Column('catalogue', sa.String(length=30), nullable=False),
    sa.Column('entry_id', BigId, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('changed_by_key_id', BigId, nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_catalogue_history'))
    )
    with op.batch_alter_table('training_catalogue_history', schema=None) as batch_op:
        batch_op.create_index('ix_training_catalogue_history_entry', ['catalogue', 'entry_id'], unique=False)

    op.create_table('training_voucher_programmes',
    sa.Column('id', BigId, nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('quota', sa.Integer(), nullable=False),
    sa.Column('issued_count', sa.Integer(), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('issued_count >= 0', name=op.f('ck_training_voucher_programmes_issued_nonnegative')),
    sa.CheckConstraint('quota >= 0', name=op.f('ck_training_voucher_programmes_quota_nonnegative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_voucher_programmes')),
    sa.UniqueConstraint('year', name=op.f('uq_training_voucher_programmes_year'))
    )
    op.create_table('training_institutions',
    sa.Column('id', BigId, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('licence_no', sa.String(length=60), nullable=False),
    sa.Column('district_codes', sa.JSON(), nullable=False),
    sa.Column('delivery', sa.String(length=10), nullable=False),
    sa.Column('voucher_eligible', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('proposed_by_market_id', BigId, nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposed_by_market_id'], ['markets.id'], name=op.f('fk_training_institutions_proposed_by_market_id_markets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_institutions')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_training_institutions_credit_code'))
    )
    op.create_table('training_shortage_trades',
    sa.Column('id', BigId, nullable=False),
    sa.Column('skill_code', sa.String(length=60), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('period_start_date', sa.Date(), nullable=False),
    sa.Column('period_end_date', sa.Date(), nullable=False),
    sa.Column('demand_figures', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('proposed_by_market_id', BigId, nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposed_by_market_id'], ['markets.id'], name=op.f('fk_training_shortage_trades_proposed_by_market_id_markets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_shortage_trades'))
    )
    with op.batch_alter_table('training_shortage_trades', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_shortage_trades_skill_code'), ['skill_code'], unique=False)

    op.create_table('training_subsidy_rates',
    sa.Column('id', BigId, nullable=False),
    sa.Column('level', sa.String(length=30), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('proposed_by_market_id', BigId, nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_fen >= 0', name=op.f('ck_training_subsidy_rates_amount_nonnegative')),
    sa.ForeignKeyConstraint(['proposed_by_market_id'], ['markets.id'], name=op.f('fk_training_subsidy_rates_proposed_by_market_id_markets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_subsidy_rates'))
    )
    op.create_table('training_courses',
    sa.Column('id', BigId, nullable=False),
    sa.Column('institution_id', BigId, nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=True),
    sa.Column('skill_codes', sa.JSON(), nullable=False),
    sa.Column('certificate', sa.String(length=60), nullable=True),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('delivery', sa.String(length=10), nullable=False),
    sa.Column('digital_skills', sa.Boolean(), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('starts_on_date', sa.Date(), nullable=False),
    sa.Column('ends_on_date', sa.Date(), nullable=False),
    sa.Column('schedule', sa.String(length=200), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('price_fen', sa.Integer(), nullable=False),
    sa.Column('subsidy_level', sa.String(length=30), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_training_courses_capacity_positive')),
    sa.CheckConstraint('price_fen >= 0', name=op.f('ck_training_courses_price_nonnegative')),
    sa.ForeignKeyConstraint(['institution_id'], ['training_institutions.id'], name=op.f('fk_training_courses_institution_id_training_institutions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_courses'))
    )
    with op.batch_alter_table('training_courses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_courses_institution_id'), ['institution_id'], unique=False)

    op.create_table('training_wishes',
    sa.Column('id', BigId, nullable=False),
    sa.Column('worker_id', BigId, nullable=True),
    sa.Column('market_id', BigId, nullable=True),
    sa.Column('skill_text', sa.String(length=60), nullable=False),
    sa.Column('skill_code', sa.String(length=60), nullable=True),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['market_id'], ['markets.id'], name=op.f('fk_training_wishes_market_id_markets')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_training_wishes_worker_id_workers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_wishes'))
    )
    with op.batch_alter_table('training_wishes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_wishes_skill_code'), ['skill_code'], unique=False)

    op.create_table('training_enrolments',
    sa.Column('id', BigId, nullable=False),
    sa.Column('course_id', BigId, nullable=False),
    sa.Column('worker_id', BigId, nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('registered_by_market_id', BigId, nullable=True),
    sa.Column('voucher_id', BigId, nullable=True),
    sa.Column('attended_hours', sa.Integer(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('certificate_no', sa.String(length=60), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_training_enrolments_course_id_training_courses')),
    sa.ForeignKeyConstraint(['registered_by_market_id'], ['markets.id'], name=op.f('fk_training_enrolments_registered_by_market_id_markets')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_training_enrolments_worker_id_workers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_enrolments')),
    sa.UniqueConstraint('course_id', 'worker_id', name=op.f('uq_training_enrolments_course_id_worker_id'))
    )
    with op.batch_alter_table('training_enrolments', schema=None) as batch_op:
        batch_op.create_index('ix_training_enrolments_course_id_status', ['course_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_enrolments_worker_id'), ['worker_id'], unique=False)

    op.create_table('training_vouchers',
    sa.Column('id', BigId, nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('worker_id', BigId, nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_by_market_id', BigId, nullable=True),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('course_id', BigId, nullable=True),
    sa.Column('enrolment_id', BigId, nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=200), nullable=True),
    sa.Column('replaces_voucher_id', BigId, nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_training_vouchers_course_id_training_courses')),
    sa.ForeignKeyConstraint(['issued_by_market_id'], ['markets.id'], name=op.f('fk_training_vouchers_issued_by_market_id_markets')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_training_vouchers_worker_id_workers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_vouchers'))
    )
    with op.batch_alter_table('training_vouchers', schema=None) as batch_op:
        batch_op.create_index('ix_training_vouchers_worker_id_year', ['worker_id', 'year'], unique=False)
        batch_op.create_index('ix_training_vouchers_year_status', ['year', 'status'], unique=False)

    with op.batch_alter_table('worker_skills', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=60), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('worker_skills', schema=None) as batch_op:
        batch_op.drop_column('source')

    with op.batch_alter_table('training_vouchers', schema=None) as batch_op:
        batch_op.drop_index('ix_training_vouchers_year_status')
        batch_op.drop_index('ix_training_vouchers_worker_id_year')

    op.drop_table('training_vouchers')
    with op.batch_alter_table('training_enrolments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_enrolments_worker_id'))
        batch_op.drop_index('ix_training_enrolments_course_id_status')

    op.drop_table('training_enrolments')
    with op.batch_alter_table('training_wishes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_wishes_skill_code'))

    op.drop_table('training_wishes')
    with op.batch_alter_table('training_courses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_courses_institution_id'))

    op.drop_table('training_courses')
    op.drop_table('training_subsidy_rates')
    with op.batch_alter_table('training_shortage_trades', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_shortage_trades_skill_code'))

    op.drop_table('training_shortage_trades')
    op.drop_table('training_institutions')
    op.drop_table('training_voucher_programmes')
    with op.batch_alter_table('training_catalogue_history', schema=None) as batch_op:
        batch_op.drop_index('ix_training_catalogue_history_entry')

    op.drop_table('training_catalogue_history')
