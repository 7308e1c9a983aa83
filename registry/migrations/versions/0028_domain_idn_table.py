"""domains.idn_table: the tag of the IDN table a name was registered under (idn-1.0's
choice or the registry's), which an escrow deposit names (RFC 9022 rdeDomain:idnTableId);
names registered before keep NULL, and a deposit derives theirs from the TLD's tables as it
did

Revision ID: 0028
Revises: 0027
"""

import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('domains') as batch:
        batch.add_column(sa.Column('idn_table', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('domains') as batch:
        batch.drop_column('idn_table')
