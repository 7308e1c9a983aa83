"""site_payments without client_secret: Stripe top-ups are Checkout Sessions (the payer pays
on Stripe's page), so no PaymentIntent secret is kept for Stripe.js any more
(docs/payments.md)

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_column('site_payments', 'client_secret')


def downgrade() -> None:
    op.add_column('site_payments', sa.Column('client_secret', sa.String(length=255),
                                             nullable=True))
