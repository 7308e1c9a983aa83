"""Full PyRar nodes over a Galera cluster, as docs/scale-out.md lays them out: each node a
``pyrar serve`` of its own reaching its own Galera node (reads with wsrep_sync_wait=1), with
its own PowerDNS on the gmysql backend over the replicated ``pdns`` database (zonegen in
external mode, publishing through it when this node holds the zone-publication lease).

Each node is a machine of its own, played by a loopback address of its own (127.0.0.2,
127.0.0.3...): its MariaDB and its eppd listen there on the port every node uses, as HAProxy
expects. The sandbox (``pyrar init`` on node 1's database) is copied for every node; each
copy gets its own configuration and an EPP server certificate naming its address."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from certs.authority import issue_server_cert
from certs.files import CertFiles
from registry.db import create_database_if_missing
from tests.scaleout.galera import Node, free_port_on
from tests.zonegen.zonegen_helpers import free_port
from zonegen.config import PowerDnsSettings
from zonegen.server import ManagedPowerDns

# a change reaches a PowerDNS that did not publish it after its caches expire: kept short in
# the tests (docs/scale-out.md: small caches on every node)
CACHE_SECONDS = 1
LEASE = {"lease_seconds": 3, "renew_seconds": 0.5}


def node_address(i: int) -> str:
    """Node i's (1-based) loopback address."""
    return f"127.0.0.{i + 1}"


@dataclass
class PyrarNode:
    """A node's sandbox copy and its PowerDNS (the machine's own daemon, not PyRar's)."""

    name: str
    directory: Path
    database: Node
    pdns: ManagedPowerDns

    @property
    def config(self) -> Path:
        return self.directory / "pyrar.toml"


def powerdns_for(directory: Path, database: Node) -> ManagedPowerDns:
    """A node's own pdns_server on the gmysql backend over its Galera node's ``pdns``
    database. PyRar's ManagedPowerDns writes its configuration and runs it (by PID); the
    node's zonegen reaches it in external mode, as it would a system PowerDNS."""
    settings = PowerDnsSettings(
        mode="managed", data_dir=str(directory / "pdns"), port=free_port(),
        webserver_port=free_port(), backend="gmysql", mysql_host=database.host,
        mysql_port=database.port, mysql_user="root", mysql_password="",
        mysql_database="pdns", cache_ttl=CACHE_SECONDS, query_cache_ttl=CACHE_SECONDS,
        negquery_cache_ttl=CACHE_SECONDS)
    return ManagedPowerDns(settings, directory)


def set_keys(text: str, section: str, values: dict[str, object]) -> str:
    """The TOML text with ``values`` set in ``[section]`` (replaced where present, else
    added; the section added at the end if missing). Values as TOML literals (json.dumps
    writes strings, numbers and lists TOML reads)."""
    lines = text.splitlines()
    header = f"[{section}]"
    if header not in lines:
        lines += ["", header]
    start = lines.index(header) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("[")), len(lines))
    todo = dict(values)
    for i in range(start, end):
        key = re.match(r"^(\w+)\s*=", lines[i])
        if key and key.group(1) in todo:
            lines[i] = f"{key.group(1)} = {json.dumps(todo.pop(key.group(1)))}"
    while end > start and not lines[end - 1].strip():
        end -= 1
    lines[end:end] = [f"{k} = {json.dumps(v)}" for k, v in todo.items()]
    return "\n".join(lines) + "\n"


def make_node(sandbox: Path, base: Path, i: int, database: Node, epp_port: int) -> PyrarNode:
    """Node i (1-based): a copy of the sandbox configured for its Galera node, address and
    PowerDNS, with ports of its own for the faces HAProxy does not balance here."""
    name = f"node{i}"
    directory = base / name
    shutil.copytree(sandbox, directory)
    address = node_address(i)
    certs = directory / "certs"
    issue_server_cert(CertFiles(certs / "ca.pem", certs / "ca.key"), certs, [address])
    pdns = powerdns_for(directory, database)
    settings = pdns.settings
    web, rdap = free_port(), free_port()
    text = (directory / "pyrar.toml").read_text()
    for section, values in {
        "database": {"url": database.url("pyrar", sync_wait=True)},
        "eppd": {"host": address, "port": epp_port},
        "registrar": {"port": web, "site_url": f"http://127.0.0.1:{web}"},
        "rdap": {"port": rdap},
        "whois": {"rdap_url": f"http://127.0.0.1:{rdap}/"},
        "powerdns": {"mode": "external", "api_url": settings.resolved_api_url(),
                     "api_key_file": str(pdns.data_dir / "api-key"), "backend": "gmysql",
                     "mysql_host": database.host, "mysql_port": database.port,
                     "mysql_user": "root", "mysql_password": "", "mysql_database": "pdns",
                     "port": settings.port, "webserver_port": settings.webserver_port,
                     "data_dir": str(pdns.data_dir)},
        "cluster": {"node_id": name, **LEASE},
    }.items():
        text = set_keys(text, section, values)
    (directory / "pyrar.toml").write_text(text)
    credentials = json.loads((directory / "credentials.json").read_text())
    for entry in (credentials, *credentials["registrars"]):
        entry.update(host=address, port=epp_port, ca=str(certs / "ca.pem"))
    for entry in credentials["registrars"]:
        entry.update(cert=str(certs / f"{entry['clid']}.pem"),
                     key=str(certs / f"{entry['clid']}.key"))
    (directory / "credentials.json").write_text(json.dumps(credentials, indent=2))
    return PyrarNode(name, directory, database, pdns)


def prepare_pdns_database(database: Node) -> None:
    """The ``pdns`` database on the cluster (PowerDNS's schema is created by the first
    PowerDNS started on it)."""
    create_database_if_missing(database.url("pdns"))


def shared_epp_port(count: int) -> int:
    return free_port_on([node_address(i) for i in range(1, count + 1)])

