"""site_notifications: the messages sent to each site user, kept for the site with a read mark

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

import registry.models.base

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('site_notifications',
    sa.Column('id', ID, nullable=False),
    sa.Column('user_id', ID, nullable=False),
    sa.Column('at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('read_at', registry.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['site_users.id'],
                            name=op.f('fk_site_notifications_user_id_site_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_notifications'))
    )
    op.create_index('ix_site_notifications_user', 'site_notifications', ['user_id', 'id'],
                    unique=False)


def downgrade() -> None:
    # the index goes with the table (MariaDB keeps it while the foreign key needs it)
    op.drop_table('site_notifications')
