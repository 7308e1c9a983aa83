"""host_ips: an index of the hosts' addresses, so that RDAP's nameservers?ip= reads a range
of it instead of every host's address list; filled from the hosts' addresses

Revision ID: 0020
Revises: 0019
"""

import json

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
BATCH = 10_000


def upgrade() -> None:
    host_ips = op.create_table(
        'host_ips',
        sa.Column('address', sa.String(length=39), nullable=False),
        sa.Column('host_id', ID, nullable=False),
        sa.ForeignKeyConstraint(['host_id'], ['hosts.id'], name=op.f('fk_host_ips_host_id_hosts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('address', 'host_id', name=op.f('pk_host_ips')),
    )
    op.create_index(op.f('ix_host_ips_host_id'), 'host_ips', ['host_id'], unique=False)
    bind = op.get_bind()
    hosts = sa.table('hosts', sa.column('id', ID), sa.column('addresses', sa.JSON()))
    after = 0
    while True:  # in batches: a registry may have millions of hosts
        rows = bind.execute(sa.select(hosts.c.id, hosts.c.addresses).where(hosts.c.id > after)
                            .order_by(hosts.c.id).limit(BATCH)).all()
        if not rows:
            break
        values = [{"address": address, "host_id": host_id} for host_id, addresses in rows
                  for address in dict.fromkeys(_list(addresses))]
        if values:
            bind.execute(host_ips.insert(), values)
        after = rows[-1][0]


def _list(addresses) -> list[str]:
    return json.loads(addresses) if isinstance(addresses, str) else list(addresses or ())


def downgrade() -> None:
    op.drop_table('host_ips')  # its indexes with it (MariaDB keeps the foreign key's)
