"""The ``[powerdns]`` table: how PyRar reaches (or runs) its PowerDNS Authoritative server."""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

MODES = ("managed", "external")
BACKENDS = ("gsqlite3", "gmysql")


class PowerDnsConfigError(Exception):
    """The ``[powerdns]`` settings cannot work; the message names the key."""


@dataclass(frozen=True)
class PowerDnsSettings:
    """Defaults give a managed server with the gsqlite3 backend under ``sandbox/powerdns``."""

    mode: str = "managed"
    # external mode: the API of an existing server; managed mode derives it from webserver_port
    api_url: str = ""
    api_key: str = ""
    # a file holding the key (external mode); managed mode generates data_dir/api-key
    api_key_file: str = ""
    server_id: str = "localhost"
    data_dir: str = "sandbox/powerdns"
    pdns_server: str = "pdns_server"
    address: str = "127.0.0.1"
    port: int = 5300
    webserver_port: int = 8081
    backend: str = "gsqlite3"
    # gsqlite3: defaults to data_dir/pdns.sqlite3
    sqlite_path: str = ""
    mysql_host: str = "127.0.0.1"
    mysql_port: int = 3306
    mysql_user: str = "pdns"
    mysql_password: str = ""
    mysql_database: str = "pdns"
    # managed server caches; the writer flushes what it changes
    cache_ttl: int = 20
    query_cache_ttl: int = 20
    negquery_cache_ttl: int = 60
    xfr_cycle_interval: int = 5
    start_timeout: float = 15.0
    catalog_zone: str = "catalog.pyrar."
    # outbox drainer: idle poll period and how many entries one batch takes
    poll_interval: float = 0.1
    batch_size: int = 500
    # under load (commits waking the drainer while a pass runs), seconds it lets events
    # gather before the next pass: fewer, larger passes (one registry snapshot each) for at
    # most this much more latency; an idle drainer's wake-up is served at once. 0: never
    coalesce: float = 0.005
    # the name servers of hosted client zones: a domain served only by these gets the DS of
    # its signed hosted zone in the TLD (zonegen.hosted_signing); empty: no hosted DNSSEC
    hosted_nameservers: tuple[str, ...] = ()
    # secondaries as "address" or "address:port" ("[v6]:port"): they get NOTIFY for every
    # zone (catalog, TLDs, hosted zones) and may transfer them. PowerDNS never NOTIFYs the
    # zones' own NS names (that would make it resolve them, see zonegen.server)
    secondaries: tuple[str, ...] = ()
    # a TLD's serial (so NOTIFY and a full transfer at each secondary) moves at most once per
    # this many seconds; records are served at once regardless (zonegen.serials). 0: every
    # change moves it
    notify_interval: float = 10.0
    # the apex name servers of a TLD added without any ('pyrar tld add NAME'): "HOST" or
    # "HOST=ADDR,ADDR" (addresses for a host inside the TLD), "{tld}" standing for its name
    tld_nameservers: tuple[str, ...] = ()
    # CDS/CDNSKEY scanning of signed delegations (zonegen.cds_run): every this many seconds
    # (0: never), a request applied once unchanged for cds_hold_down seconds
    cds_interval: float = 0.0
    # how often zone serve's scheduler looks for work: hosted zones' DNSSEC steps, and the
    # CDS scan once cds_interval has passed
    schedule_interval: float = 60.0
    # the managed server's query counters are read this often into the registry's query
    # counts (the monthly activity report's dns-* fields; zonegen.dns_stats); 0: never
    query_stats_interval: float = 60.0
    cds_hold_down: float = 3600.0
    # seconds a newly signed hosted zone waits, once every server answers its keys, before
    # its DS goes to the parent. -1 (the default, the only safe value where resolvers cache
    # the zone): the zone's longest TTL, SOA minimum included (RFC 7583), an hour for a zone
    # with the hosting's defaults. Test sandboxes set 0 to see a signing through at once
    hosted_hold_down: int = -1
    # TLDs whose delegations are never scanned (the registry's switch per TLD; a domain's is
    # an update prohibition, see registry.cds)
    cds_off_tlds: tuple[str, ...] = ()
    # other zones' name servers (CDS scans, a hosted zone's parent that is not ours) are
    # found through this resolver ("address[:port]", one you run; empty: only glue, and
    # nothing asked about foreign parents; never the system's resolver) and asked on this port
    outside_resolver: str = ""
    outside_port: int = 53
    # the networks those name servers may be asked in ("192.0.2.0/24", "::1/128"); empty:
    # public addresses only, never loopback, private, shared or documentation ranges (glue
    # is registrants' data: it must not make the registry probe its own networks)
    outside_networks: tuple[str, ...] = ()
    # RFC 9615: CDS scans also bootstrap unsigned delegations whose name servers' operators
    # signal it under _dsboot; the signals are validated from these trust anchors (DS or
    # DNSKEY records in zone-file form; the root's from Debian's dns-root-data by default)
    # and looked up through outside_resolver (none configured: no bootstrap)
    cds_bootstrap: bool = True
    trust_anchors: str = "/usr/share/dns/root.ds"

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise PowerDnsConfigError(f"[powerdns] mode must be one of {MODES}, not {self.mode!r}")
        if self.backend not in BACKENDS:
            raise PowerDnsConfigError(
                f"[powerdns] backend must be one of {BACKENDS}, not {self.backend!r}")
        if self.mode == "external" and not self.api_url:
            raise PowerDnsConfigError("[powerdns] api_url is required in external mode")
        if self.query_stats_interval < 0:
            raise PowerDnsConfigError("[powerdns] query_stats_interval must be 0 (never) or "
                                      "more seconds")
        if not 0 <= self.coalesce <= self.poll_interval:
            raise PowerDnsConfigError("[powerdns] coalesce must be 0 or more seconds, at most "
                                      "poll_interval")
        if self.notify_interval < 0:
            raise PowerDnsConfigError("[powerdns] notify_interval must be 0 or more seconds")
        object.__setattr__(self, "secondaries",
                           tuple(secondary_endpoint(s) for s in self.secondaries))
        for network in self.outside_networks:
            try:
                ipaddress.ip_network(network)
            except ValueError:
                raise PowerDnsConfigError(f"[powerdns] outside_networks: {network!r} is not "
                                          "a network (address/prefix)") from None

    def default_tld_nameservers(self, tld: str) -> list[str]:
        name = tld.strip().rstrip(".").lower()
        return [ns.replace("{tld}", name) for ns in self.tld_nameservers]

    @property
    def secondary_addresses(self) -> tuple[str, ...]:
        """The secondaries' addresses without ports (who may transfer zones)."""
        return tuple(dict.fromkeys(split_endpoint(s)[0] for s in self.secondaries))

    def data_path(self, base_dir: Path | None = None) -> Path:
        p = Path(self.data_dir).expanduser()
        if not p.is_absolute() and base_dir is not None:
            p = base_dir / p
        return p.resolve()

    def sqlite_file(self, base_dir: Path | None = None) -> Path:
        if self.sqlite_path:
            p = Path(self.sqlite_path).expanduser()
            if not p.is_absolute() and base_dir is not None:
                p = base_dir / p
            return p.resolve()
        return self.data_path(base_dir) / "pdns.sqlite3"

    def resolved_api_url(self) -> str:
        if self.api_url:
            return self.api_url.rstrip("/")
        return f"http://127.0.0.1:{self.webserver_port}/api/v1"

    def resolved_api_key(self, base_dir: Path | None = None) -> str:
        """The key from the settings, the key file, or (managed) the generated sandbox file."""
        if self.api_key:
            return self.api_key
        if self.api_key_file:
            return Path(self.api_key_file).expanduser().read_text().strip()
        if self.mode == "managed":
            return ensure_api_key(self.data_path(base_dir) / "api-key")
        raise PowerDnsConfigError("[powerdns] api_key or api_key_file is required in external mode")


def split_endpoint(text: str) -> tuple[str, int]:
    """``address``, ``address:port``, ``[v6 address]:port`` or a bare IPv6 address; port
    53 by default. Addresses only: a name would have to be resolved, by us or by PowerDNS."""
    text = text.strip()
    host, port = text, "53"
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ("53" if not rest else "x")
    elif text.count(":") == 1:
        host, port = text.split(":")
    try:
        address = ipaddress.ip_address(host)
        number = int(port)
    except ValueError:
        raise PowerDnsConfigError(f"[powerdns] secondaries: {text!r} is not an IP address "
                                  "with an optional port") from None
    if not 0 < number < 65536:
        raise PowerDnsConfigError(f"[powerdns] secondaries: port {number} out of range")
    return str(address), number


def secondary_endpoint(text: str) -> str:
    """PowerDNS's form of a NOTIFY target: ``1.2.3.4:53``, ``[::1]:5301``."""
    address, port = split_endpoint(text)
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def ensure_api_key(path: Path) -> str:
    """Read the managed server's key, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    return key
