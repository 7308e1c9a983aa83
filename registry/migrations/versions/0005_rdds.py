"""rdds: what RDAP, WHOIS and escrow publish about registrars, and each TLD's RDDS profile

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


# add_column, not batch_alter_table: SQLite adds a column with a constant default in place,
# while a batch copy would drop tables other tables' foreign keys point at.
def upgrade() -> None:
    op.add_column('registrars', sa.Column('iana_id', sa.Integer(), nullable=True))
    for name, length in (('url', 255), ('abuse_email', 255), ('abuse_phone', 32)):
        op.add_column('registrars', sa.Column(name, sa.String(length=length), nullable=False,
                                              server_default=''))
    op.add_column('tlds', sa.Column('rdds_profile', sa.String(length=8), nullable=False,
                                    server_default='gtld'))
    op.add_column('tlds', sa.Column('whois_enabled', sa.Boolean(), nullable=False,
                                    server_default=sa.false()))


def downgrade() -> None:
    for name in ('whois_enabled', 'rdds_profile'):
        op.drop_column('tlds', name)
    for name in ('abuse_phone', 'abuse_email', 'url', 'iana_id'):
        op.drop_column('registrars', name)
