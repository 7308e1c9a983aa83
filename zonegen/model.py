"""Values describing what a TLD zone should contain: the zone itself and its delegations.

PowerDNS validates little (DS without NS, short digests...), so the rules live here: glue only
for hosts inside the delegation, every in-domain name server has glue, no delegation without NS,
DS digests of the right length.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields

from zonegen.names import BadName, is_at_or_below, is_below, is_plain, normalize

ALGORITHMS = {
    "RSASHA256": 8, "RSASHA512": 10, "ECDSAP256SHA256": 13, "ECDSAP384SHA384": 14,
    "ED25519": 15, "ED448": 16,
}
# DS algorithms a child may use (RFC 8624 section 3.1: the ones validators implement)
DS_ALGORITHMS = {5, 7, 8, 10, 13, 14, 15, 16}
DS_DIGEST_LENGTHS = {1: 20, 2: 32, 4: 48}
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_DOTTED_QUAD = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


class ZoneDataError(ValueError):
    """Zone data that must not be published; the message says what and where."""


@dataclass(frozen=True)
class DnssecPolicy:
    """Default: ECDSAP256SHA256 KSK+ZSK, NSEC3 opt-out with RFC 9276 parameters."""

    enabled: bool = True
    algorithm: str = "ECDSAP256SHA256"
    keys: str = "ksk+zsk"            # or "csk"
    denial: str = "nsec3"            # or "nsec"
    nsec3param: str = "1 1 0 -"      # hash algorithm, flags (1 = opt-out), iterations, salt
    key_bits: int = 0                # RSA only; 0 lets PowerDNS choose

    def __post_init__(self) -> None:
        if self.algorithm.upper() not in ALGORITHMS:
            raise ZoneDataError(f"unknown DNSSEC algorithm {self.algorithm!r}")
        if self.keys not in ("ksk+zsk", "csk"):
            raise ZoneDataError(f"keys must be 'ksk+zsk' or 'csk', not {self.keys!r}")
        if self.denial not in ("nsec3", "nsec"):
            raise ZoneDataError(f"denial must be 'nsec3' or 'nsec', not {self.denial!r}")
        parts = self.nsec3param.split()
        if (len(parts) != 4 or parts[0] != "1" or not parts[1].isdigit()
                or not parts[2].isdigit()):
            raise ZoneDataError(f"bad NSEC3PARAM {self.nsec3param!r}")
        if parts[3] != "-":
            try:
                bytes.fromhex(parts[3])
            except ValueError:
                raise ZoneDataError(f"bad NSEC3 salt {parts[3]!r}") from None

    @property
    def nsec3(self) -> bool:
        return self.enabled and self.denial == "nsec3"

    @property
    def opt_out(self) -> bool:
        return self.nsec3 and bool(int(self.nsec3param.split()[1]) & 1)

    @property
    def iterations(self) -> int:
        return int(self.nsec3param.split()[2])

    @property
    def salt(self) -> bytes:
        s = self.nsec3param.split()[3]
        return b"" if s == "-" else bytes.fromhex(s)


@dataclass(frozen=True)
class DsRecord:
    key_tag: int
    algorithm: int
    digest_type: int
    digest: str

    def __post_init__(self) -> None:
        digest = self.digest.replace(" ", "").lower()
        object.__setattr__(self, "digest", digest)
        if not 0 <= self.key_tag <= 65535:
            raise ZoneDataError(f"DS key tag {self.key_tag} out of range")
        if self.algorithm not in DS_ALGORITHMS:
            raise ZoneDataError(f"DS algorithm {self.algorithm} is not accepted")
        want = DS_DIGEST_LENGTHS.get(self.digest_type)
        if want is None:
            raise ZoneDataError(f"DS digest type {self.digest_type} is not accepted")
        try:
            raw = bytes.fromhex(digest)
        except ValueError:
            raise ZoneDataError(f"DS digest {self.digest!r} is not hexadecimal") from None
        if len(raw) != want:
            raise ZoneDataError(
                f"DS digest type {self.digest_type} needs {want} bytes, got {len(raw)}")

    @classmethod
    def from_text(cls, text: str) -> DsRecord:
        parts = text.split()
        if len(parts) < 4:
            raise ZoneDataError(f"bad DS record {text!r}")
        return cls(int(parts[0]), int(parts[1]), int(parts[2]), "".join(parts[3:]))

    @property
    def content(self) -> str:
        """PowerDNS's stored form."""
        return f"{self.key_tag} {self.algorithm} {self.digest_type} {self.digest}"


def _name(value: str, what: str) -> str:
    try:
        name = normalize(value)
    except BadName as e:
        raise ZoneDataError(f"{what}: {e}") from None
    if not is_plain(name) or name == ".":
        raise ZoneDataError(f"{what}: {value!r} is not a host name (letters, digits, hyphen)")
    return name


def _address(host: str, value: str) -> str:
    text = str(value).strip()
    if _DOTTED_QUAD.fullmatch(text):
        return text
    try:
        return str(ipaddress.ip_address(text))    # canonical (RFC 5952) text
    except ValueError:
        raise ZoneDataError(f"{host}: bad IP address {value!r}") from None


def _addresses(host: str, values: Iterable[str]) -> tuple[str, ...]:
    out = {_address(host, v) for v in values}
    if not out:
        raise ZoneDataError(f"{host}: glue without any address")
    return tuple(sorted(out))


def _host_map(hosts: Mapping[str, Iterable[str]] | Iterable[tuple[str, Iterable[str]]],
              what: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    items = hosts.items() if isinstance(hosts, Mapping) else hosts
    out: dict[str, tuple[str, ...]] = {}
    for host, addrs in items:
        h = _name(host, what)
        out[h] = _addresses(h, addrs)
    return tuple(sorted(out.items()))


@dataclass(frozen=True)
class Delegation:
    """One domain as the TLD zone publishes it: NS, glue for hosts inside it, DS."""

    name: str
    nameservers: tuple[str, ...]
    glue: tuple[tuple[str, tuple[str, ...]], ...] = ()
    ds: tuple[DsRecord, ...] = ()

    def __post_init__(self) -> None:
        name = _name(self.name, "delegation name")
        object.__setattr__(self, "name", name)
        ns = tuple(sorted({_name(h, f"{name} name server") for h in self.nameservers}))
        if not ns:
            raise ZoneDataError(f"{name}: a delegation needs at least one name server")
        object.__setattr__(self, "nameservers", ns)
        glue = _host_map(self.glue, f"{name} glue host")
        object.__setattr__(self, "glue", glue)
        ds = tuple(sorted({d if isinstance(d, DsRecord) else DsRecord.from_text(d)
                           for d in self.ds}, key=lambda d: d.content))
        object.__setattr__(self, "ds", ds)
        glue_hosts = {h for h, _ in glue}
        for host in glue_hosts:
            if not is_at_or_below(host, name):
                raise ZoneDataError(
                    f"{name}: glue for {host}, which is not inside the delegation")
        for host in ns:
            if is_at_or_below(host, name) and host not in glue_hosts:
                raise ZoneDataError(f"{name}: name server {host} is inside the domain "
                                    "and needs glue addresses")

    @property
    def glue_map(self) -> dict[str, tuple[str, ...]]:
        return dict(self.glue)


@dataclass(frozen=True)
class ZoneSpec:
    """A TLD zone: SOA, apex name servers (with addresses for in-zone ones), DNSSEC, TTLs."""

    name: str
    nameservers: tuple[str, ...]
    ns_addresses: tuple[tuple[str, tuple[str, ...]], ...] = ()
    hostmaster: str = ""             # SOA RNAME as a name; default hostmaster.<zone>
    refresh: int = 7200
    retry: int = 3600
    expire: int = 1209600
    minimum: int = 3600              # negative-caching TTL
    soa_ttl: int = 3600
    apex_ns_ttl: int = 86400
    ns_ttl: int = 3600
    ds_ttl: int = 3600
    glue_ttl: int = 3600
    dnssec: DnssecPolicy = field(default_factory=DnssecPolicy)
    catalog: bool = True

    def __post_init__(self) -> None:
        zone = _name(self.name, "zone name")
        object.__setattr__(self, "name", zone)
        ns = tuple(dict.fromkeys(_name(h, f"{zone} name server") for h in self.nameservers))
        if not ns:
            raise ZoneDataError(f"{zone}: the zone needs at least one name server")
        object.__setattr__(self, "nameservers", ns)
        addrs = _host_map(self.ns_addresses, f"{zone} name server")
        object.__setattr__(self, "ns_addresses", addrs)
        known = {h for h, _ in addrs}
        for host in known:
            if host not in ns:
                raise ZoneDataError(f"{zone}: addresses for {host}, which is not a name server")
            if not is_below(host, zone):
                raise ZoneDataError(f"{zone}: {host} is outside the zone; its addresses "
                                    "belong in its own zone")
        for host in ns:
            if is_below(host, zone) and host not in known:
                raise ZoneDataError(f"{zone}: name server {host} is in the zone and needs "
                                    "addresses")
        rname = _name(self.hostmaster or f"hostmaster.{zone}", "hostmaster")
        object.__setattr__(self, "hostmaster", rname)

    @property
    def in_zone_hosts(self) -> dict[str, tuple[str, ...]]:
        return dict(self.ns_addresses)

    def check(self, d: Delegation) -> None:
        """Zone-dependent rules for one delegation; raises ZoneDataError."""
        if not is_below(d.name, self.name):
            raise ZoneDataError(f"{d.name} is not below the zone {self.name}")
        for host in self.in_zone_hosts:
            if is_at_or_below(host, d.name):
                raise ZoneDataError(
                    f"{d.name} would hide the zone's own name server {host}")

    @classmethod
    def from_dict(cls, name: str, data: Mapping) -> ZoneSpec:
        """From stored settings (the core's per-TLD ``dns`` JSON): the field names of this
        class, ``ns_addresses`` as {host: [addresses]}, ``dnssec`` as DnssecPolicy fields."""
        known = {f.name for f in fields(cls)} - {"name"}
        unknown = set(data) - known
        if unknown:
            raise ZoneDataError(f"{name}: unknown DNS setting(s) {', '.join(sorted(unknown))}")
        values = dict(data)
        if "dnssec" in values and not isinstance(values["dnssec"], DnssecPolicy):
            policy = dict(values["dnssec"])
            bad = set(policy) - {f.name for f in fields(DnssecPolicy)}
            if bad:
                raise ZoneDataError(f"{name}: unknown DNSSEC setting(s) {', '.join(sorted(bad))}")
            values["dnssec"] = DnssecPolicy(**policy)
        values["nameservers"] = tuple(values.get("nameservers", ()))
        addrs = values.get("ns_addresses", ())
        values["ns_addresses"] = tuple(
            (h, tuple(a)) for h, a in (addrs.items() if isinstance(addrs, Mapping) else addrs))
        return cls(name=name, **values)

    def to_dict(self) -> dict:
        data = asdict(self)
        del data["name"]
        data["ns_addresses"] = {h: list(a) for h, a in self.ns_addresses}
        data["nameservers"] = list(self.nameservers)
        return data

    def soa_content(self, serial: int) -> str:
        """The SOA record in PowerDNS's stored form (names without the trailing dot)."""
        return (f"{self.nameservers[0][:-1]} {self.hostmaster[:-1]} {serial} {self.refresh} "
                f"{self.retry} {self.expire} {self.minimum}")
