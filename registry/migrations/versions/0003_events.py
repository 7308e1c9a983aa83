"""events: one outbox for every side effect (replaces dns_outbox)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import registry.models.base

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
CHUNK = 5000


def _dns_outbox() -> sa.Table:
    return sa.table('dns_outbox', sa.column('id', Id), sa.column('zone', sa.String),
                    sa.column('owner', sa.String),
                    sa.column('created_at', registry.models.base.UTCDateTime()))


def _events() -> sa.Table:
    return sa.table('events', sa.column('id', Id), sa.column('consumer', sa.String),
                    sa.column('kind', sa.String), sa.column('payload', sa.JSON()),
                    sa.column('created_at', registry.models.base.UTCDateTime()),
                    sa.column('attempts', sa.Integer))


def upgrade() -> None:
    op.create_table('events',
    sa.Column('id', Id, nullable=False),
    sa.Column('consumer', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', registry.models.base.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('dead_at', registry.models.base.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_claim', ['consumer', 'dead_at', 'id'], unique=False)
    # DNS changes not yet published become the "dns" consumer's events, in their order
    connection = op.get_bind()
    old, new = _dns_outbox(), _events()
    after = 0
    while True:
        rows = connection.execute(sa.select(old).where(old.c.id > after).order_by(old.c.id)
                                  .limit(CHUNK)).all()
        if not rows:
            break
        connection.execute(new.insert(), [
            {"consumer": "dns", "kind": "dns.changed", "created_at": r.created_at,
             "payload": {"zone": r.zone, "owner": r.owner}, "attempts": 0} for r in rows])
        after = rows[-1].id
    op.drop_table('dns_outbox')


def downgrade() -> None:
    op.create_table('dns_outbox',
    sa.Column('id', Id, nullable=False),
    sa.Column('zone', sa.String(length=253), nullable=False),
    sa.Column('owner', sa.String(length=253), nullable=False),
    sa.Column('created_at', registry.models.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dns_outbox'))
    )
    connection = op.get_bind()
    old, new = _dns_outbox(), _events()
    rows = connection.execute(sa.select(new).where(new.c.consumer == 'dns')
                              .order_by(new.c.id)).all()
    if rows:
        connection.execute(old.insert(), [
            {"zone": r.payload["zone"], "owner": r.payload["owner"],
             "created_at": r.created_at} for r in rows])
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_claim')
    op.drop_table('events')
