"""upstreams: registries the site sells names of over EPP, their poll messages recorded,
and the moment a remote order item was submitted

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

import registry.models.base

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('site_upstreams',
    sa.Column('id', ID, nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('ca', sa.String(length=1024), nullable=False),
    sa.Column('cert', sa.String(length=1024), nullable=False),
    sa.Column('key', sa.String(length=1024), nullable=False),
    sa.Column('clid', sa.String(length=16), nullable=False),
    sa.Column('password', sa.String(length=255), nullable=False),
    sa.Column('tlds', sa.JSON(), nullable=False),
    sa.Column('markup_percent', sa.Integer(), nullable=True),
    sa.Column('flat_prices', sa.JSON(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('sessions', sa.Integer(), nullable=False),
    sa.Column('idle_timeout', sa.Integer(), nullable=False),
    sa.Column('created_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_upstreams')),
    sa.UniqueConstraint('name', name=op.f('uq_site_upstreams_name'))
    )
    op.create_table('site_upstream_messages',
    sa.Column('id', ID, nullable=False),
    sa.Column('upstream', sa.String(length=32), nullable=False),
    sa.Column('msg_id', sa.String(length=64), nullable=False),
    sa.Column('received_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_upstream_messages')),
    sa.UniqueConstraint('upstream', 'msg_id', name='uq_site_upstream_messages_msg')
    )
    with op.batch_alter_table('site_order_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_at', registry.models.base.UTCDateTime(),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('site_order_items', schema=None) as batch_op:
        batch_op.drop_column('submitted_at')
    op.drop_table('site_upstream_messages')
    op.drop_table('site_upstreams')
