"""tokens and applications: allocation tokens (RFC 8495) and their uses; launch phases that
take applications, and the applications (RFC 8334 3.3.5); LORDN entries' application time

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

from registry.models.base import Id, UTCDateTime

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'allocation_tokens',
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('tld_id', Id, nullable=False),
        sa.Column('label', sa.String(length=63), nullable=True),
        sa.Column('registrar_id', Id, nullable=True),
        sa.Column('max_uses', sa.Integer(), nullable=True),
        sa.Column('uses', sa.Integer(), nullable=False),
        sa.Column('valid_from', UTCDateTime(), nullable=True),
        sa.Column('valid_until', UTCDateTime(), nullable=True),
        sa.Column('create_price', sa.BigInteger(), nullable=True),
        sa.Column('currency', sa.String(length=3), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.CheckConstraint('max_uses IS NULL OR uses <= max_uses',
                           name=op.f('ck_allocation_tokens_within_limit')),
        sa.ForeignKeyConstraint(['tld_id'], ['tlds.id'],
                                name=op.f('fk_allocation_tokens_tld_id_tlds'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registrar_id'], ['registrars.id'],
                                name=op.f('fk_allocation_tokens_registrar_id_registrars'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_tokens')),
        sa.UniqueConstraint('token', name=op.f('uq_allocation_tokens_token')),
    )
    op.create_table(
        'allocation_token_uses',
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('token_id', Id, nullable=False),
        sa.Column('domain_id', Id, nullable=False),
        sa.Column('registrar_id', Id, nullable=False),
        sa.Column('used_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['token_id'], ['allocation_tokens.id'],
                                name=op.f('fk_allocation_token_uses_token_id_allocation_tokens'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['domain_id'], ['domains.id'],
                                name=op.f('fk_allocation_token_uses_domain_id_domains'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registrar_id'], ['registrars.id'],
                                name=op.f('fk_allocation_token_uses_registrar_id_registrars')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_token_uses')),
        sa.UniqueConstraint('domain_id', name=op.f('uq_allocation_token_uses_domain_id')),
    )
    with op.batch_alter_table('launch_phases') as batch:
        batch.add_column(sa.Column('applications', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        'launch_applications',
        sa.Column('id', Id, autoincrement=True, nullable=False),
        sa.Column('tld_id', Id, nullable=False),
        sa.Column('name', sa.String(length=253), nullable=False),
        sa.Column('phase', sa.String(length=16), nullable=False),
        sa.Column('custom_name', sa.String(length=64), nullable=False),
        sa.Column('registrar_id', Id, nullable=False),
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('mark_ref', sa.String(length=64), nullable=False),
        sa.Column('years', sa.Integer(), nullable=False),
        sa.Column('amount', sa.BigInteger(), nullable=False),
        sa.Column('authinfo_hash', sa.String(length=128), nullable=True),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=True),
        sa.Column('domain_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['tld_id'], ['tlds.id'],
                                name=op.f('fk_launch_applications_tld_id_tlds'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['registrar_id'], ['registrars.id'],
                                name=op.f('fk_launch_applications_registrar_id_registrars')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_launch_applications')),
    )
    op.create_index('ix_launch_applications_name', 'launch_applications', ['name', 'status'])
    with op.batch_alter_table('lordn_entries') as batch:
        batch.add_column(sa.Column('applied_at', UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('lordn_entries') as batch:
        batch.drop_column('applied_at')
    op.drop_index('ix_launch_applications_name', table_name='launch_applications')
    op.drop_table('launch_applications')
    with op.batch_alter_table('launch_phases') as batch:
        batch.drop_column('applications')
    op.drop_table('allocation_token_uses')
    op.drop_table('allocation_tokens')
