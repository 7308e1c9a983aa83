"""IDN-only TLDs (RST idn-02) and the variant bundle rows that serialize creates of one
bundle's names (one sponsor per bundle, enforced by the database)

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('tlds', sa.Column('idn_only', sa.Boolean(), server_default=sa.false(),
                                    nullable=False))
    op.create_table('variant_bundles',
    sa.Column('tld_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('variant_key', sa.String(length=253), nullable=False),
    sa.Column('creates', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['tld_id'], ['tlds.id'],
                            name=op.f('fk_variant_bundles_tld_id_tlds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tld_id', 'variant_key', name=op.f('pk_variant_bundles'))
    )


def downgrade() -> None:
    op.drop_table('variant_bundles')
    with op.batch_alter_table('tlds') as batch:
        batch.drop_column('idn_only')
