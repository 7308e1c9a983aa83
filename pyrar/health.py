"""Whether this node should get clients: its database answers and, on a MariaDB Galera node,
that node is Synced in the primary component (docs/scale-out.md, *HAProxy*). A load balancer
asks it over HTTP (``pyrar health serve``, pyrar/health_http.py) before each node's faces:
a node whose data node is cut off from the majority (non-primary) or not caught up (joining,
a donor) would otherwise pass a TCP check and answer every command 2400.

The verdict (``judge``) is separate from reading the server (``probe``), so that the rules
are tested without a cluster."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from registry.config import ConfigError

# what a Galera node reports when it may take clients (Percona's clustercheck asks the same)
SYNCED = "Synced"
PRIMARY = "Primary"
GALERA_STATUS = ("wsrep_cluster_status", "wsrep_local_state_comment")


@dataclass(frozen=True)
class HealthSettings:
    """``[health]``: the health endpoint (``pyrar health serve``)."""

    # whether 'pyrar serve' runs it (off by default: a port of its own on every installation)
    serve: bool = False
    # loopback by default; a load balancer on another machine needs the node's own address
    host: str = "127.0.0.1"
    port: int = 9200   # Percona's clustercheck's, which HAProxy configurations know
    # a check that takes longer (connecting, reading the status) says the database is down
    timeout_seconds: float = 2.0

    def __post_init__(self) -> None:
        if not 0 < self.timeout_seconds <= 60:
            raise ConfigError("[health] timeout_seconds must be more than 0 and at most 60")


@dataclass(frozen=True)
class Health:
    healthy: bool
    reason: str   # one line, for the operator (and HAProxy's log): no secrets


def judge(galera: Mapping[str, str] | None) -> Health:
    """The verdict on a database that answered: ``galera``, its wsrep status variables
    when it is a Galera node (wsrep_on), None when it is not (one server, SQLite)."""
    if galera is None:
        return Health(True, "database reachable (not a Galera node)")
    status = galera.get("wsrep_cluster_status") or "unknown"
    state = galera.get("wsrep_local_state_comment") or "unknown"
    if status != PRIMARY:
        return Health(False, f"Galera node outside the primary component "
                             f"(wsrep_cluster_status {status}): it refuses every statement")
    if state != SYNCED:
        return Health(False, f"Galera node not synced (wsrep_local_state_comment {state})")
    return Health(True, "database reachable; Galera node Synced in the Primary component")


def probe(url: str, timeout: float) -> Health:
    """Connect to the database at ``url`` and judge it; unreachable is unhealthy too."""
    mariadb = make_url(url).get_backend_name() in ("mysql", "mariadb")
    try:
        connection = _connect(url, timeout, mariadb=mariadb)
    except Exception as e:  # whatever the driver raises: the reason, never a traceback
        return Health(False, f"database unreachable: {_first_line(e)}")
    try:
        with contextlib.closing(connection.cursor()) as cursor:
            return judge(_galera_status(cursor) if mariadb else _opens(cursor))
    except Exception as e:
        return Health(False, f"database not answering: {_first_line(e)}")
    finally:
        connection.close()


def _connect(url: str, timeout: float, *, mariadb: bool):
    """A bare DB-API connection: SQLAlchemy's first connection runs SELECTs, which a
    non-primary Galera node refuses (1047), so its status could not be read. Without the
    URL's init_command: a causality wait (wsrep_sync_wait) is pointless for the node's own
    status, and on a non-primary node it waits for a cluster that is not there."""
    parsed = make_url(url)
    dialect_class = parsed.get_dialect()
    dialect = dialect_class(dbapi=dialect_class.import_dbapi())
    args, params = dialect.create_connect_args(parsed)
    if mariadb:
        params.pop("init_command", None)
        params.update(connect_timeout=max(1, round(timeout)), read_timeout=timeout,
                      write_timeout=timeout)
    else:
        # SQLite would make a missing file, empty
        if parsed.database and parsed.database != ":memory:" and \
                not Path(parsed.database).exists():
            raise FileNotFoundError(f"no database file {parsed.database}")
        params["timeout"] = timeout   # how long to wait for a lock
    return dialect.connect(*args, **params)


def _galera_status(cursor) -> dict[str, str] | None:
    """The node's wsrep status, or None when it is no Galera node. SHOW works on a
    non-primary node, where every SELECT is refused."""
    cursor.execute("SHOW GLOBAL VARIABLES LIKE 'wsrep_on'")
    if str(dict(cursor.fetchall()).get("wsrep_on", "OFF")).upper() != "ON":
        return None
    names = ", ".join(f"'{name}'" for name in GALERA_STATUS)
    cursor.execute(f"SHOW GLOBAL STATUS WHERE Variable_name IN ({names})")
    return {str(k): str(v) for k, v in cursor.fetchall()}


def _opens(cursor) -> None:
    """SQLite: the file opens and reads."""
    cursor.execute("SELECT count(*) FROM sqlite_master")
    cursor.fetchall()


def _first_line(error: BaseException) -> str:
    return (" ".join(str(error).split()) or type(error).__name__)[:300]
