"""The zone publisher's lease, fenced in PowerDNS's own transactions.

The registry's transactions of the lease holder are fenced (registry.leases): a deposed
leader's cannot commit. The rows PowerDNS serves are written in another database, so a
publisher frozen between reading the registry and writing them could, thawed after another
node took the lease, still write what it read before (stale rows, until that name's next
change). When PowerDNS's database is on the same server (or Galera cluster) as the registry's,
every zonegen transaction on it runs, last, the lease's fence on the registry's ``leases``
table: the same ``UPDATE`` where holder and epoch are still ours and the lease unexpired, in
the same transaction. No row, and the transaction rolls back (LeaseLost); on Galera a
takeover certified first makes the COMMIT fail certification instead.

Where PowerDNS's database cannot see the registry's ``leases`` (gsqlite3, the default of a
single installation, which has no other publisher; or gmysql on another server), there is no
fence: docs/scale-out.md says what that leaves.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC

from registry.leases import Leadership, LeaseLost
from zonegen.config import PowerDnsSettings
from zonegen.pdnsdb import PdnsDb

log = logging.getLogger("pyrar.zonegen.lease_fence")

# registry.leases.fence, on PowerDNS's connection: the registry's schema named explicitly
FENCE_SQL = ("UPDATE `{schema}`.leases SET fenced = fenced + 1 WHERE name = ? AND holder = ? "
             "AND epoch = ? AND expires_at > ?")


class PdnsLeaseFence:
    """``PdnsDb.fence``: run last in each of zonegen's transactions on PowerDNS's database."""

    def __init__(self, leader: Leadership, schema: str) -> None:
        self.leader, self.schema = leader, schema
        self.sql = FENCE_SQL.format(schema=schema.replace("`", "``"))
        # a writer frozen after the fence holds the lease row: the server ends its
        # transaction (and the row lock the takeover waits for) after this long
        self.idle_write_seconds = max(1, math.ceil(leader.settings.lease_seconds))

    def attach(self, db: PdnsDb) -> PdnsDb:
        """``db``'s transactions fenced from now on."""
        db.execute(f"SET SESSION idle_write_transaction_timeout = {self.idle_write_seconds}")
        db.fence = self
        return db

    def __call__(self, db: PdnsDb) -> None:
        held = self.leader.holding()
        now = self.leader.registry.clock.now().astimezone(UTC).replace(tzinfo=None)
        if db.execute(self.sql, (held.name, held.holder, held.epoch, now)).rowcount != 1:
            raise LeaseLost(held.name)


def lease_fence(settings: PowerDnsSettings, leader: Leadership, schema: str | None
                ) -> PdnsLeaseFence | None:
    """The fence for zonegen's connections to PowerDNS's database, if that database's server
    holds the registry's ``leases`` (``schema``: the registry's database name; None when the
    registry is not on MariaDB); None, and why logged, when it does not."""
    if settings.backend != "gmysql" or not schema:
        log.info("PowerDNS's database (%s) is not on the registry's server: its writes are "
                 "not fenced by the lease (one publisher: nothing to fence)", settings.backend)
        return None
    db = PdnsDb.open(settings)
    try:
        found = db.execute("SELECT count(*) FROM information_schema.tables WHERE "
                           "table_schema = ? AND table_name = 'leases'", (schema,)).fetchone()[0]
    finally:
        db.close()
    if not found:
        log.warning("PowerDNS's database cannot see %s.leases (another server, or no grant): "
                    "its writes are not fenced by the lease; a deposed publisher may write "
                    "stale rows (docs/scale-out.md)", schema)
        return None
    log.info("PowerDNS's writes fenced by the lease in %s.leases", schema)
    return PdnsLeaseFence(leader, schema)
