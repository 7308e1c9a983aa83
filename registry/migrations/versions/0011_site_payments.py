"""site_payments: payments through providers (Stripe, PayPal, NowPayments) and the verified
events that moved money, each once; cards saved at a provider for auto-renewals
(registrar/payments/)

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

import registry.models.base

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('site_payments',
    sa.Column('id', ID, nullable=False),
    sa.Column('user_id', ID, nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('provider_ref', sa.String(length=128), nullable=True),
    sa.Column('provider_payment', sa.String(length=128), nullable=True),
    sa.Column('checkout_url', sa.String(length=1000), nullable=True),
    sa.Column('client_secret', sa.String(length=255), nullable=True),
    sa.Column('received', sa.BigInteger(), nullable=False),
    sa.Column('reversed', sa.BigInteger(), nullable=False),
    sa.Column('created_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('paid_at', registry.models.base.UTCDateTime(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['site_users.id'], name=op.f('fk_site_payments_user_id_site_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_payments')),
    sa.UniqueConstraint('provider', 'provider_ref', name='uq_site_payments_provider_ref')
    )
    op.create_index(op.f('ix_site_payments_user_id'), 'site_payments', ['user_id'], unique=False)
    op.create_index(op.f('ix_site_payments_provider_payment'), 'site_payments', ['provider_payment'], unique=False)
    op.create_table('site_payment_events',
    sa.Column('id', ID, nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('event_id', sa.String(length=191), nullable=False),
    sa.Column('payment_id', ID, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('received_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['payment_id'], ['site_payments.id'], name=op.f('fk_site_payment_events_payment_id_site_payments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_payment_events')),
    sa.UniqueConstraint('provider', 'event_id', name='uq_site_payment_events_event')
    )
    op.create_index(op.f('ix_site_payment_events_payment_id'), 'site_payment_events', ['payment_id'], unique=False)
    op.create_table('site_saved_cards',
    sa.Column('id', ID, nullable=False),
    sa.Column('user_id', ID, nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('customer', sa.String(length=128), nullable=False),
    sa.Column('payment_method', sa.String(length=128), nullable=True),
    sa.Column('updated_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['site_users.id'], name=op.f('fk_site_saved_cards_user_id_site_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_saved_cards')),
    sa.UniqueConstraint('user_id', 'provider', name='uq_site_saved_cards_user_provider')
    )


def downgrade() -> None:
    op.drop_table('site_saved_cards')
    op.drop_table('site_payment_events')
    op.drop_table('site_payments')
