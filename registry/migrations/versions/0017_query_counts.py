"""query counts: RDAP and WHOIS queries per service, TLD and minute (the monthly activity
report's whois-43-queries and rdap-queries)

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

import registry.models.base

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'query_counts',
        sa.Column('service', sa.String(length=32), nullable=False),
        sa.Column('tld', sa.String(length=63), nullable=False),
        sa.Column('minute', registry.models.base.UTCDateTime(), nullable=False),
        sa.Column('count', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('service', 'tld', 'minute', name=op.f('pk_query_counts')),
    )


def downgrade() -> None:
    op.drop_table('query_counts')
