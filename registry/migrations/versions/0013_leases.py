"""leases: leader leases for the work that runs once per cluster (registry.leases)

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from registry.models.base import UTCDateTime

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'leases',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('holder', sa.String(length=64), nullable=False),
        sa.Column('epoch', sa.BigInteger(), nullable=False),
        sa.Column('acquired_at', UTCDateTime(), nullable=False),
        sa.Column('renewed_at', UTCDateTime(), nullable=False),
        sa.Column('expires_at', UTCDateTime(), nullable=False),
        sa.Column('fenced', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_leases')),
    )


def downgrade() -> None:
    op.drop_table('leases')
