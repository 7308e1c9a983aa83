"""hosted_dns: users' hosted zones at the registrar and their status as zonegen applied it

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from registry.models.base import Id, UTCDateTime

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'hosted_zone_status',
        sa.Column('zone', sa.String(length=253), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('dnssec', sa.String(length=16), nullable=False),
        sa.Column('step', sa.String(length=32), nullable=True),
        sa.Column('next_step_at', UTCDateTime(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('zone', name=op.f('pk_hosted_zone_status')),
    )
    op.create_table(
        'site_hosted_zones',
        sa.Column('id', Id, nullable=False),
        sa.Column('user_id', Id, nullable=False),
        sa.Column('name', sa.String(length=253), nullable=False),
        sa.Column('records', sa.JSON(), nullable=False),
        sa.Column('signed', sa.Boolean(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['site_users.id'],
                                name=op.f('fk_site_hosted_zones_user_id_site_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_site_hosted_zones')),
        sa.UniqueConstraint('name', name=op.f('uq_site_hosted_zones_name')),
    )
    op.create_index(op.f('ix_site_hosted_zones_user_id'), 'site_hosted_zones', ['user_id'])


def downgrade() -> None:
    op.drop_table('site_hosted_zones')   # with its index (MariaDB's foreign key needs it)
    op.drop_table('hosted_zone_status')
