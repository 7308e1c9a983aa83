"""gtld: the "optional" contact data model (what "minimum" meant until now; "minimum" now
refuses contact data as RST expects)

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # TLDs keep the behaviour they had: contacts accepted, none required.
    op.execute("UPDATE tlds SET data_model = 'optional' WHERE data_model = 'minimum'")


def downgrade() -> None:
    op.execute("UPDATE tlds SET data_model = 'minimum' WHERE data_model = 'optional'")
