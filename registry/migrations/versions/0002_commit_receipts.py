"""commit receipts

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 06:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('commit_receipts',
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_commit_receipts'))
    )


def downgrade() -> None:
    op.drop_table('commit_receipts')
