"""site_domains.contacts_due_at and contacts_error: a name transferred in through an
upstream whose contacts there are still to be made ours, and why the last try failed
(registrar/upstream_contacts.py)

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

import registry.models.base

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('site_domains') as batch:
        batch.add_column(sa.Column('contacts_due_at', registry.models.base.UTCDateTime(),
                                   nullable=True))
        batch.add_column(sa.Column('contacts_error', sa.Text(), nullable=True))
        batch.create_index('ix_site_domains_contacts_due', ['contacts_due_at'])


def downgrade() -> None:
    with op.batch_alter_table('site_domains') as batch:
        batch.drop_index('ix_site_domains_contacts_due')
        batch.drop_column('contacts_error')
        batch.drop_column('contacts_due_at')
