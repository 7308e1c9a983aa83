"""console: the operators' audit log (the core's) and the registrar's log of mail queued

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

import registry.models.base

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', ID, nullable=False),
    sa.Column('at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('operator_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('object_type', sa.String(length=16), nullable=False),
    sa.Column('object_name', sa.String(length=253), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index('ix_audit_log_object', 'audit_log', ['object_type', 'object_name', 'id'],
                    unique=False)
    op.create_index('ix_audit_log_actor', 'audit_log', ['actor', 'id'], unique=False)
    op.create_table('site_mail_log',
    sa.Column('id', ID, nullable=False),
    sa.Column('at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('user_id', ID, nullable=True),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('template', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['site_users.id'],
                            name=op.f('fk_site_mail_log_user_id_site_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_mail_log'))
    )
    op.create_index(op.f('ix_site_mail_log_user_id'), 'site_mail_log', ['user_id'],
                    unique=False)
    op.create_index(op.f('ix_site_mail_log_recipient'), 'site_mail_log', ['recipient'],
                    unique=False)


def downgrade() -> None:
    op.drop_table('site_mail_log')
    op.drop_table('audit_log')
