"""registrar address: what an escrow deposit's registrar object needs (RFC 9022 postalInfo)

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('registrars', sa.Column('postal', sa.JSON(), nullable=True))
    op.add_column('registrars', sa.Column('voice', sa.String(length=32), nullable=True))


def downgrade() -> None:
    op.drop_column('registrars', 'voice')
    op.drop_column('registrars', 'postal')
