"""gtld: the "optional" contact data model (what "minimum" meant until now; "minimum" now
refuses contact data as RST expects); IDN tables per TLD and domains' variant keys; launch
phases, the TMCH's data and LORDN entries

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

from registry.models.base import Id, UTCDateTime

revision = '0015'
down_revision = '0014'
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
        # variant_key first: an index led by tld_id would stand in for the foreign key's
        batch.create_index('ix_domains_variant_key', ['variant_key', 'tld_id'])


    op.create_table(
        'launch_phases',
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('tld_id', Id, nullable=False),
        sa.Column('name', sa.String(length=16), nullable=False),
        sa.Column('custom_name', sa.String(length=64), nullable=False),
        sa.Column('starts_at', UTCDateTime(), nullable=False),
        sa.Column('ends_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['tld_id'], ['tlds.id'],
                                name=op.f('fk_launch_phases_tld_id_tlds'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_launch_phases')),
        sa.UniqueConstraint('tld_id', 'name', 'custom_name',
                            name=op.f('uq_launch_phases_tld_id')),
    )
    op.create_table(
        'tmch_files',
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('loaded_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('kind', name=op.f('pk_tmch_files')),
    )
    op.create_table(
        'tmch_revoked_smds',
        sa.Column('smd_id', sa.String(length=64), nullable=False),
        sa.Column('revoked_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('smd_id', name=op.f('pk_tmch_revoked_smds')),
    )
    op.create_table(
        'tmch_dnl',
        sa.Column('label', sa.String(length=63), nullable=False),
        sa.Column('lookup_key', sa.String(length=64), nullable=False),
        sa.Column('inserted_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('label', name=op.f('pk_tmch_dnl')),
    )
    op.create_table(
        'lordn_entries',
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('tld_id', Id, nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('domain_id', sa.Integer(), nullable=False),
        sa.Column('domain_name', sa.String(length=253), nullable=False),
        sa.Column('mark_ref', sa.String(length=64), nullable=False),
        sa.Column('registrar_id', Id, nullable=False),
        sa.Column('registered_at', UTCDateTime(), nullable=False),
        sa.Column('accepted_at', UTCDateTime(), nullable=True),
        sa.Column('sent_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['tld_id'], ['tlds.id'],
                                name=op.f('fk_lordn_entries_tld_id_tlds'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registrar_id'], ['registrars.id'],
                                name=op.f('fk_lordn_entries_registrar_id_registrars')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lordn_entries')),
    )
    op.create_index('ix_lordn_pending', 'lordn_entries', ['tld_id', 'kind', 'sent_at'])


def downgrade() -> None:
    for table in ('lordn_entries', 'tmch_dnl', 'tmch_revoked_smds', 'tmch_files',
                  'launch_phases'):
        op.drop_table(table)
    with op.batch_alter_table('domains') as batch:
        batch.drop_index('ix_domains_variant_key')
        batch.drop_column('variant_key')
    op.drop_table('idn_tables')
    op.execute("UPDATE tlds SET data_model = 'minimum' WHERE data_model = 'optional'")
