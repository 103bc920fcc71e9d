"""webhooks: endpoints, deliveries, attempts, the event sequencer, partner grants and postings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Static on purpose: no imports from app, so later model changes never rewrite history.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('event_sequencer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_seq', BigId, nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_sequencer'))
    )
    op.create_table('webhook_endpoints',
    sa.Column('id', BigId, nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('event_types', sa.JSON(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_reason', sa.String(length=200), nullable=True),
    sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('owner_role', sa.String(length=20), nullable=False),
    sa.Column('owner_subject_id', BigId, nullable=True),
    sa.Column('owner_key_id', BigId, nullable=False),
    sa.Column('secret_enc', sa.Text(), nullable=False),
    sa.Column('previous_secret_enc', sa.Text(), nullable=True),
    sa.Column('previous_secret_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints'))
    )
    op.create_index('ix_webhook_endpoints_owner', 'webhook_endpoints', ['owner_role', 'owner_subject_id'], unique=False)
    op.create_index(op.f('ix_webhook_endpoints_owner_key_id'), 'webhook_endpoints', ['owner_key_id'], unique=False)
    op.create_table('partner_grants',
    sa.Column('id', BigId, nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('partner_key_id', BigId, nullable=False),
    sa.Column('employer_id', BigId, nullable=False),
    sa.Column('created_by_key_id', BigId, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_partner_grants_employer_id_employers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_grants')),
    sa.UniqueConstraint('source', 'employer_id', name=op.f('uq_partner_grants_source_employer_id'))
    )
    op.create_index(op.f('ix_partner_grants_partner_key_id'), 'partner_grants', ['partner_key_id'], unique=False)
    op.create_index(op.f('ix_partner_grants_source'), 'partner_grants', ['source'], unique=False)
    op.create_table('webhook_deliveries',
    sa.Column('id', BigId, nullable=False),
    sa.Column('endpoint_id', BigId, nullable=False),
    sa.Column('event_id', BigId, nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempt_count', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claim_token', sa.String(length=32), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id'], name=op.f('fk_webhook_deliveries_endpoint_id_webhook_endpoints'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_webhook_deliveries_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    sa.UniqueConstraint('event_id', 'endpoint_id', name=op.f('uq_webhook_deliveries_event_id_endpoint_id'))
    )
    op.create_index('ix_webhook_deliveries_due', 'webhook_deliveries', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
    op.create_index('ix_webhook_deliveries_endpoint_id_id', 'webhook_deliveries', ['endpoint_id', 'id'], unique=False)
    op.create_table('partner_postings',
    sa.Column('job_id', BigId, nullable=False),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=False),
    sa.Column('partner_key_id', BigId, nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('payload_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_partner_postings_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_partner_postings')),
    sa.UniqueConstraint('source', 'external_id', name=op.f('uq_partner_postings_source_external_id'))
    )
    op.create_table('webhook_attempts',
    sa.Column('id', BigId, nullable=False),
    sa.Column('delivery_id', BigId, nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('latency_ms', sa.Integer(), nullable=False),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.Column('response_excerpt', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['webhook_deliveries.id'], name=op.f('fk_webhook_attempts_delivery_id_webhook_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_attempts'))
    )
    op.create_index(op.f('ix_webhook_attempts_delivery_id'), 'webhook_attempts', ['delivery_id'], unique=False)
    op.add_column('events', sa.Column('audience_key_id', BigId, nullable=True))
    op.add_column('events', sa.Column('seq', BigId, nullable=True))
    op.create_index('ix_events_unsequenced', 'events', ['id'], unique=False, postgresql_where=sa.text('seq IS NULL'), sqlite_where=sa.text('seq IS NULL'))
    op.create_index(op.f('ix_events_seq'), 'events', ['seq'], unique=True)
    op.bulk_insert(
        sa.table('event_sequencer', sa.column('id', sa.Integer()), sa.column('last_seq', BigId)),
        [{'id': 1, 'last_seq': 0}],
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_events_seq'), table_name='events')
    op.drop_index('ix_events_unsequenced', table_name='events', postgresql_where=sa.text('seq IS NULL'), sqlite_where=sa.text('seq IS NULL'))
    op.drop_column('events', 'seq')
    op.drop_column('events', 'audience_key_id')
    op.drop_index(op.f('ix_webhook_attempts_delivery_id'), table_name='webhook_attempts')
    op.drop_table('webhook_attempts')
    op.drop_table('partner_postings')
    op.drop_index('ix_webhook_deliveries_endpoint_id_id', table_name='webhook_deliveries')
    op.drop_index('ix_webhook_deliveries_due', table_name='webhook_deliveries', postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
    op.drop_table('webhook_deliveries')
    op.drop_index(op.f('ix_partner_grants_source'), table_name='partner_grants')
    op.drop_index(op.f('ix_partner_grants_partner_key_id'), table_name='partner_grants')
    op.drop_table('partner_grants')
    op.drop_index(op.f('ix_webhook_endpoints_owner_key_id'), table_name='webhook_endpoints')
    op.drop_index('ix_webhook_endpoints_owner', table_name='webhook_endpoints')
    op.drop_table('webhook_endpoints')
    op.drop_table('event_sequencer')
