"""gtld: the "optional" contact data model (what "minimum" meant until now; "minimum" now
refuses contact data as RST expects); IDN tables per TLD and domains' variant keys

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from registry.models.base import Id, UTCDateTime

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # TLDs keep the behaviour they had: contacts accepted, none required.
    op.execute("UPDATE tlds SET data_model = 'optional' WHERE data_model = 'minimum'")
    op.create_table(
        'idn_tables',
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('tld_id', Id, nullable=False),
        sa.Column('tag', sa.String(length=64), nullable=False),
        sa.Column('version', sa.String(length=64), nullable=False),
        sa.Column('ranges', sa.JSON(), nullable=False),
        sa.Column('variants', sa.JSON(), nullable=False),
        sa.Column('loaded_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['tld_id'], ['tlds.id'], name=op.f('fk_idn_tables_tld_id_tlds'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_idn_tables')),
        sa.UniqueConstraint('tld_id', 'tag', name=op.f('uq_idn_tables_tld_id')),
    )
    with op.batch_alter_table('domains') as batch:
        batch.add_column(sa.Column('variant_key', sa.String(length=253), nullable=True))
        batch.create_index('ix_domains_variant_key', ['tld_id', 'variant_key'])


def downgrade() -> None:
    with op.batch_alter_table('domains') as batch:
        batch.drop_index('ix_domains_variant_key')
        batch.drop_column('variant_key')
    op.drop_table('idn_tables')
    op.execute("UPDATE tlds SET data_model = 'minimum' WHERE data_model = 'optional'")
