"""registrar: the site's users, tokens, sessions, API keys, ledger, orders and names

The registrar's models live on their own metadata (registrar/models.py): the registry's core
knows nothing of them, but the installation's schema is one chain.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

import registry.models.base

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TABLES = ('site_domains', 'site_order_items', 'site_ledger', 'site_orders', 'site_api_keys',
          'site_sessions', 'site_tokens', 'site_users')


def upgrade() -> None:
    op.create_table('site_users',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('email_verified_at', registry.models.base.UTCDateTime(), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('closed_at', registry.models.base.UTCDateTime(), nullable=True),
    sa.Column('balance', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('mail_opt_outs', sa.JSON(), nullable=False),
    sa.Column('totp_secret', sa.String(length=64), nullable=True),
    sa.Column('totp_enabled_at', registry.models.base.UTCDateTime(), nullable=True),
    sa.Column('totp_last_step', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_users')),
    sa.UniqueConstraint('email', name=op.f('uq_site_users_email'))
    )
    op.create_table('site_api_keys',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('created_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', registry.models.base.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', registry.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['site_users.id'], name=op.f('fk_site_api_keys_user_id_site_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_site_api_keys_key_hash'))
    )
    op.create_index(op.f('ix_site_api_keys_user_id'), 'site_api_keys', ['user_id'], unique=False)
    op.create_table('site_domains',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('name', sa.String(length=253), nullable=False),
    sa.Column('backend', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('auto_renew', sa.Boolean(), nullable=False),
    sa.Column('created_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('reminded_days', sa.Integer(), nullable=True),
    sa.Column('renew_failed_at', registry.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['site_users.id'], name=op.f('fk_site_domains_user_id_site_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_domains')),
    sa.UniqueConstraint('name', name='uq_site_domains_name')
    )
    op.create_index(op.f('ix_site_domains_user_id'), 'site_domains', ['user_id'], unique=False)
    op.create_index('ix_site_domains_due', 'site_domains', ['state', 'expires_at'], unique=False)
    op.create_table('site_orders',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('refunded', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('created_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('completed_at', registry.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['site_users.id'], name=op.f('fk_site_orders_user_id_site_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_orders'))
    )
    op.create_index(op.f('ix_site_orders_user_id'), 'site_orders', ['user_id'], unique=False)
    op.create_table('site_sessions',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('needs_second_factor', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['site_users.id'], name=op.f('fk_site_sessions_user_id_site_users')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_site_sessions'))
    )
    op.create_index(op.f('ix_site_sessions_user_id'), 'site_sessions', ['user_id'], unique=False)
    op.create_table('site_tokens',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('expires_at', registry.models.base.UTCDateTime(), nullable=True),
    sa.Column('used_at', registry.models.base.UTCDateTime(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['site_users.id'], name=op.f('fk_site_tokens_user_id_site_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_site_tokens_token_hash'))
    )
    op.create_index(op.f('ix_site_tokens_user_id'), 'site_tokens', ['user_id'], unique=False)
    op.create_table('site_ledger',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('balance_after', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['site_orders.id'], name=op.f('fk_site_ledger_order_id_site_orders')),
    sa.ForeignKeyConstraint(['user_id'], ['site_users.id'], name=op.f('fk_site_ledger_user_id_site_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_ledger'))
    )
    op.create_index('ix_site_ledger_user', 'site_ledger', ['user_id', 'id'], unique=False)
    op.create_table('site_order_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('operation', sa.String(length=16), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('cost', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('secret', sa.String(length=255), nullable=True),
    sa.Column('completed_at', registry.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['site_orders.id'], name=op.f('fk_site_order_items_order_id_site_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_order_items'))
    )
    op.create_index(op.f('ix_site_order_items_order_id'), 'site_order_items', ['order_id'], unique=False)


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
