"""What ``pyrar serve`` runs: one entry per component, each a ``pyrar`` subcommand in a
process of its own, with the ports it listens on. Adding the web site, RDAP or a payment
worker is one more entry in ``COMPONENTS``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from eppd.config import EppdSettings
from escrow.config import EscrowSettings
from pyrar.health import HealthSettings
from pyrar.serve_endpoints import CREDENTIALS_NAME, Endpoint
from rdap.config import RdapSettings
from registrar.config import RegistrarSettings
from registry.config import Config
from whoisd.config import WhoisSettings
from zonegen.config import PowerDnsSettings


@dataclass(frozen=True)
class ServeOptions:
    """What the operator asked ``serve`` for, and what every component may need to know."""

    workers: int | None = None     # eppd's worker processes (None: its configured default)
    tlds: tuple[str, ...] = ()     # the registry's TLDs, for the examples serve prints


@dataclass(frozen=True)
class Component:
    name: str
    command: Callable[[ServeOptions], list[str]]   # the pyrar subcommand that runs it
    endpoints: Callable[[Config, ServeOptions], list[Endpoint]] = lambda _c, _o: []
    wanted: Callable[[Config], bool] = lambda _c: True   # whether serve runs it


def _eppd_command(options: ServeOptions) -> list[str]:
    return ["eppd"] + (["--workers", str(options.workers)] if options.workers else [])


def _eppd_endpoints(config: Config, _options: ServeOptions) -> list[Endpoint]:
    eppd = config.section("eppd", EppdSettings)
    credentials = config.base_dir / CREDENTIALS_NAME
    note = "TLS with registrar certificates" + (
        f"; registrars' credentials in {credentials}" if credentials.exists() else "")
    return [Endpoint("EPP", eppd.host, eppd.port, "[eppd] port", note)]


def _dns_endpoints(config: Config, options: ServeOptions) -> list[Endpoint]:
    """A PowerDNS of ours only when managed; an external one is the operator's."""
    pdns = config.section("powerdns", PowerDnsSettings)
    if pdns.mode != "managed":
        return []
    example = options.tlds[0] if options.tlds else "TLD"
    key = pdns.data_path(config.base_dir) / "api-key"
    return [
        Endpoint("DNS", pdns.address, pdns.port, "[powerdns] port",
                 f"PowerDNS with the TLD zones; try: dig +norec -p {pdns.port} "
                 f"@{pdns.address} {example} SOA", udp=True),
        Endpoint("API", "127.0.0.1", pdns.webserver_port, "[powerdns] webserver_port",
                 f"PowerDNS HTTP API; its key in {key}"),
    ]


def _rdap_endpoints(config: Config, options: ServeOptions) -> list[Endpoint]:
    rdap = config.section("rdap", RdapSettings)
    example = f"nic.{options.tlds[0]}" if options.tlds else "NAME"
    return [Endpoint("RDAP", rdap.host, rdap.port, "[rdap] port",
                     f"registration data; try: curl {rdap.public_base}domain/{example}")]


def _whois_endpoints(config: Config, options: ServeOptions) -> list[Endpoint]:
    whois = config.section("whois", WhoisSettings)
    example = f"nic.{options.tlds[0]}" if options.tlds else "NAME"
    return [Endpoint("WHOIS", whois.host, whois.port, "[whois] port",
                     f"for TLDs with whois_enabled; try: whois -h {whois.host} -p "
                     f"{whois.port} {example}")]


def _web_endpoints(config: Config, _options: ServeOptions) -> list[Endpoint]:
    site = config.section("registrar", RegistrarSettings)
    return [Endpoint("Web", site.host, site.port, "[registrar] port",
                     f"the registrar site; its JSON API at {site.site_url}/api/ "
                     f"(described at {site.site_url}/api/openapi.json)")]


def _health_endpoints(config: Config, _options: ServeOptions) -> list[Endpoint]:
    health = config.section("health", HealthSettings)
    return [Endpoint("Health", health.host, health.port, "[health] port",
                     "200 while this node should get clients, else 503 and why; try: curl "
                     f"-i http://{health.host}:{health.port}/")]


COMPONENTS: tuple[Component, ...] = (
    Component("eppd", _eppd_command, _eppd_endpoints),
    Component("zonegen", lambda _o: ["zone", "serve"], _dns_endpoints),
    Component("lifecycle", lambda _o: ["lifecycle", "run", "--every", "60"]),
    Component("rdap", lambda _o: ["rdap", "serve"], _rdap_endpoints),
    Component("whois", lambda _o: ["whois", "serve"], _whois_endpoints,
              lambda config: config.section("whois", WhoisSettings).serve),
    Component("escrow", lambda _o: ["escrow", "run", "--every", "300"],
              wanted=lambda config: config.section("escrow", EscrowSettings).schedule),
    Component("web", lambda _o: ["web", "serve"], _web_endpoints),
    Component("health", lambda _o: ["health", "serve"], _health_endpoints,
              lambda config: config.section("health", HealthSettings).serve),
)


def configured(config: Config, components: tuple[Component, ...] = COMPONENTS
               ) -> tuple[Component, ...]:
    """The components this configuration wants run."""
    return tuple(c for c in components if c.wanted(config))


def endpoints(config: Config, options: ServeOptions,
              components: tuple[Component, ...] = COMPONENTS) -> list[Endpoint]:
    return [e for c in components for e in c.endpoints(config, options)]
