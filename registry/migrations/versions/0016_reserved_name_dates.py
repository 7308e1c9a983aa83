"""reserved names' creation time: an escrow deposit's NNDN objects carry it (RFC 9022 crDate)

Names reserved before this revision are dated by their TLD's creation.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

import registry.models.base

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('reserved_names', sa.Column('created_at', registry.models.base.UTCDateTime(),
                                              nullable=True))
    op.execute("UPDATE reserved_names SET created_at = (SELECT tlds.created_at FROM tlds "
               "WHERE tlds.id = reserved_names.tld_id)")


def downgrade() -> None:
    op.drop_column('reserved_names', 'created_at')
