"""IDN tables' published URL and policy URL: an escrow deposit's rdeIDN objects carry them
(RFC 9022 idnTableRef), and a deposit refers each IDN domain to its table

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('idn_tables') as batch:
        batch.add_column(sa.Column('url', sa.String(length=2048), nullable=True))
        batch.add_column(sa.Column('policy_url', sa.String(length=2048), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('idn_tables') as batch:
        batch.drop_column('policy_url')
        batch.drop_column('url')
