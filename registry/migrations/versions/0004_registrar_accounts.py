"""registrar_accounts: a registrar's money in a row no foreign key references

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
MONEY = ('balance', 'credit_limit', 'low_balance_threshold', 'low_balance_notified')


def upgrade() -> None:
    op.create_table('registrar_accounts',
    sa.Column('registrar_id', Id, autoincrement=False, nullable=False),
    sa.Column('balance', sa.BigInteger(), nullable=False),
    sa.Column('credit_limit', sa.BigInteger(), nullable=False),
    sa.Column('low_balance_threshold', sa.BigInteger(), nullable=True),
    sa.Column('low_balance_notified', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['registrar_id'], ['registrars.id'],
                            name=op.f('fk_registrar_accounts_registrar_id_registrars')),
    sa.PrimaryKeyConstraint('registrar_id', name=op.f('pk_registrar_accounts'))
    )
    columns = ', '.join(MONEY)
    op.execute(f'INSERT INTO registrar_accounts (registrar_id, {columns}) '
               f'SELECT id, {columns} FROM registrars')
    for column in MONEY:
        # In place on SQLite too (3.35+): a batch copy would drop ``registrars``, which
        # the other tables' foreign keys forbid.
        op.execute(f'ALTER TABLE registrars DROP COLUMN {column}')


def downgrade() -> None:
    op.add_column('registrars', sa.Column('balance', sa.BigInteger(), nullable=False,
                                          server_default='0'))
    op.add_column('registrars', sa.Column('credit_limit', sa.BigInteger(), nullable=False,
                                          server_default='0'))
    op.add_column('registrars', sa.Column('low_balance_threshold', sa.BigInteger(),
                                          nullable=True))
    op.add_column('registrars', sa.Column('low_balance_notified', sa.Boolean(),
                                          nullable=False, server_default=sa.false()))
    for column in MONEY:
        op.execute(f'UPDATE registrars SET {column} = (SELECT a.{column} FROM '
                   'registrar_accounts a WHERE a.registrar_id = registrars.id)')
    op.drop_table('registrar_accounts')
