"""upstream polls and contacts: when each upstream's poll queue was last drained, and
why it failed; which contacts its TLDs take with a name

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

import registry.models.base

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('site_upstreams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('polled_at', registry.models.base.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('poll_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('contacts', sa.String(length=16), nullable=False,
                                      server_default='registrant'))


def downgrade() -> None:
    with op.batch_alter_table('site_upstreams', schema=None) as batch_op:
        batch_op.drop_column('contacts')
        batch_op.drop_column('poll_error')
        batch_op.drop_column('polled_at')
