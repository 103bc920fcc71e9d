"""foundation: keys, employers, markets, jobs, workers, events, idempotency

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Static on purpose: no imports from app, so later model changes never rewrite history.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_keys',
    sa.Column('id', BigId, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('subject_id', BigId, nullable=True),
    sa.Column('created_by_key_id', BigId, nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    op.create_table('employers',
    sa.Column('id', BigId, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('contact_phone', sa.String(length=20), nullable=True),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('verification_status', sa.String(length=20), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('verified_by_key_id', BigId, nullable=True),
    sa.Column('verification_note', sa.String(length=500), nullable=True),
    sa.Column('created_by_key_id', BigId, nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employers')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_employers_credit_code'))
    )
    op.create_table('events',
    sa.Column('id', BigId, nullable=False),
    sa.Column('public_id', sa.String(length=40), nullable=False),
    sa.Column('type', sa.String(length=60), nullable=False),
    sa.Column('resource_type', sa.String(length=30), nullable=False),
    sa.Column('resource_id', BigId, nullable=False),
    sa.Column('employer_id', BigId, nullable=True),
    sa.Column('worker_id', BigId, nullable=True),
    sa.Column('market_id', BigId, nullable=True),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('public_id', name=op.f('uq_events_public_id'))
    )
    op.create_index(op.f('ix_events_employer_id'), 'events', ['employer_id'], unique=False)
    op.create_index(op.f('ix_events_type'), 'events', ['type'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('id', BigId, nullable=False),
    sa.Column('owner_hash', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('headers', sa.JSON(), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('owner_hash', 'key', name=op.f('uq_idempotency_keys_owner_hash_key'))
    )
    op.create_index(op.f('ix_idempotency_keys_expires_at'), 'idempotency_keys', ['expires_at'], unique=False)

    op.create_table('markets',
    sa.Column('id', BigId, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('scale', sa.String(length=20), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_markets'))
    )
    op.create_index(op.f('ix_markets_district_code'), 'markets', ['district_code'], unique=False)

    op.create_table('jobs',
    sa.Column('id', BigId, nullable=False),
    sa.Column('employer_id', BigId, nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('employment_type', sa.String(length=20), nullable=False),
    sa.Column('headcount', sa.Integer(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=False),
    sa.Column('radius_km', sa.Float(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shifts', sa.JSON(), nullable=False),
    sa.Column('wage_amount', sa.Integer(), nullable=False),
    sa.Column('wage_unit', sa.String(length=10), nullable=False),
    sa.Column('wage_settlement', sa.String(length=20), nullable=False),
    sa.Column('req_gender', sa.String(length=10), nullable=True),
    sa.Column('req_min_age', sa.Integer(), nullable=True),
    sa.Column('req_max_age', sa.Integer(), nullable=True),
    sa.Column('req_certificates', sa.JSON(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=40), nullable=True),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('review_note', sa.String(length=500), nullable=True),
    sa.Column('registered_by_market_id', BigId, nullable=True),
    sa.Column('created_by_key_id', BigId, nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_jobs_employer_id_employers')),
    sa.ForeignKeyConstraint(['registered_by_market_id'], ['markets.id'], name=op.f('fk_jobs_registered_by_market_id_markets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    op.create_index(op.f('ix_jobs_employer_id'), 'jobs', ['employer_id'], unique=False)
    op.create_index('ix_jobs_status_district', 'jobs', ['status', 'district_code'], unique=False)
    op.create_index('ix_jobs_status_lat_lng', 'jobs', ['status', 'lat', 'lng'], unique=False)
    op.create_index('uq_jobs_source_external_id', 'jobs', ['source', 'external_id'], unique=True)

    op.create_table('workers',
    sa.Column('id', BigId, nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('gender', sa.String(length=10), nullable=False),
    sa.Column('certificates', sa.JSON(), nullable=False),
    sa.Column('home_lat', sa.Float(), nullable=False),
    sa.Column('home_lng', sa.Float(), nullable=False),
    sa.Column('district_code', sa.String(length=6), nullable=True),
    sa.Column('max_travel_km', sa.Float(), nullable=False),
    sa.Column('availability', sa.JSON(), nullable=True),
    sa.Column('available_from_date', sa.Date(), nullable=True),
    sa.Column('available_until_date', sa.Date(), nullable=True),
    sa.Column('min_wage_amount', sa.Integer(), nullable=True),
    sa.Column('min_wage_unit', sa.String(length=10), nullable=True),
    sa.Column('target_groups', sa.JSON(), nullable=False),
    sa.Column('hukou_chongqing', sa.Boolean(), nullable=True),
    sa.Column('registered_unemployed_date', sa.Date(), nullable=True),
    sa.Column('graduation_date', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reliability', sa.Float(), nullable=False, server_default='0.5'),
    sa.Column('registered_by_market_id', BigId, nullable=True),
    sa.Column('created_by_key_id', BigId, nullable=True),
    sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['registered_by_market_id'], ['markets.id'], name=op.f('fk_workers_registered_by_market_id_markets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workers'))
    )
    op.create_index('ix_workers_status_home', 'workers', ['status', 'home_lat', 'home_lng'], unique=False)

    op.create_table('job_skills',
    sa.Column('job_id', BigId, nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('raw', sa.String(length=60), nullable=False),
    sa.Column('skill_code', sa.String(length=60), nullable=True),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_skills_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', 'position', name=op.f('pk_job_skills'))
    )
    op.create_index(op.f('ix_job_skills_skill_code'), 'job_skills', ['skill_code'], unique=False)

    op.create_table('worker_skills',
    sa.Column('worker_id', BigId, nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('raw', sa.String(length=60), nullable=False),
    sa.Column('skill_code', sa.String(length=60), nullable=True),
    sa.Column('similarity', sa.Float(), nullable=False),
    sa.Column('years', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_worker_skills_worker_id_workers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('worker_id', 'position', name=op.f('pk_worker_skills'))
    )
    op.create_index(op.f('ix_worker_skills_skill_code'), 'worker_skills', ['skill_code'], unique=False)
    op.create_table('engagements',
    sa.Column('id', BigId, nullable=False),
    sa.Column('job_id', BigId, nullable=False),
    sa.Column('worker_id', BigId, nullable=False),
    sa.Column('employer_id', BigId, nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_engagements_employer_id_employers')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_engagements_job_id_jobs')),
    sa.ForeignKeyConstraint(['worker_id'], ['workers.id'], name=op.f('fk_engagements_worker_id_workers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engagements'))
    )
    op.create_index('ix_engagements_employer_worker', 'engagements', ['employer_id', 'worker_id'], unique=False)
    op.create_index('ix_engagements_job_status', 'engagements', ['job_id', 'status'], unique=False)
    op.create_index('ix_engagements_worker_status', 'engagements', ['worker_id', 'status'], unique=False)



def downgrade() -> None:
    op.drop_index('ix_engagements_worker_status', table_name='engagements')
    op.drop_index('ix_engagements_job_status', table_name='engagements')
    op.drop_index('ix_engagements_employer_worker', table_name='engagements')
    op.drop_table('engagements')
    op.drop_index(op.f('ix_worker_skills_skill_code'), table_name='worker_skills')

    op.drop_table('worker_skills')
    op.drop_index(op.f('ix_job_skills_skill_code'), table_name='job_skills')

    op.drop_table('job_skills')
    op.drop_index('ix_workers_status_home', table_name='workers')

    op.drop_table('workers')
    op.drop_index('uq_jobs_source_external_id', table_name='jobs')
    op.drop_index('ix_jobs_status_lat_lng', table_name='jobs')
    op.drop_index('ix_jobs_status_district', table_name='jobs')
    op.drop_index(op.f('ix_jobs_employer_id'), table_name='jobs')

    op.drop_table('jobs')
    op.drop_index(op.f('ix_markets_district_code'), table_name='markets')

    op.drop_table('markets')
    op.drop_index(op.f('ix_idempotency_keys_expires_at'), table_name='idempotency_keys')

    op.drop_table('idempotency_keys')
    op.drop_index(op.f('ix_events_type'), table_name='events')
    op.drop_index(op.f('ix_events_employer_id'), table_name='events')

    op.drop_table('events')
    op.drop_table('employers')
    op.drop_table('api_keys')
