"""site_payments.cart and order_id: an order paid by a provider (purpose "order") keeps its
cart until the payment is credited, then names the order placed from it
(docs/payments.md)

Revision ID: 0026
Revises: 0025
"""

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('site_payments') as batch:
        batch.add_column(sa.Column('cart', sa.Text(), nullable=True))
        batch.add_column(sa.Column(
            'order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch.create_foreign_key(op.f('fk_site_payments_order_id_site_orders'), 'site_orders',
                                 ['order_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('site_payments') as batch:
        batch.drop_constraint(op.f('fk_site_payments_order_id_site_orders'),
                              type_='foreignkey')
        batch.drop_column('order_id')
        batch.drop_column('cart')
