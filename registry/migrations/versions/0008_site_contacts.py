"""site_contacts: a site user's registrant contact at the registry and its details

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('site_users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_id', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('contact', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('site_users', schema=None) as batch_op:
        batch_op.drop_column('contact')
        batch_op.drop_column('contact_id')
