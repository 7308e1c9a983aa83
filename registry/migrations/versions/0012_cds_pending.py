"""cds_pending: CDS/CDNSKEY requests waiting out their hold-down, kept across restarts

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

import registry.models.base

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cds_pending',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('domain_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('requested', sa.Text(), nullable=False),
    sa.Column('since', registry.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['domain_id'], ['domains.id'], name=op.f('fk_cds_pending_domain_id_domains'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cds_pending')),
    sa.UniqueConstraint('domain_id', name=op.f('uq_cds_pending_domain_id'))
    )


def downgrade() -> None:
    op.drop_table('cds_pending')
