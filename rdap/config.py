"""The ``[rdap]`` table of the configuration file."""

from __future__ import annotations

from dataclasses import dataclass

from registry.config import ConfigError
from registry.models import RDDS_PROFILES


@dataclass(frozen=True)
class RdapSettings:
    host: str = "127.0.0.1"
    port: int = 8082
    # The public base URL, for links in responses (the self link, the help notice); empty:
    # http(s)://host:port/ as served. Behind a TLS proxy give the https URL here.
    base_url: str = ""
    # Built-in TLS (ICANN's profile wants HTTPS): both files, relative to the configuration
    # file; empty: plain HTTP (loopback, or behind a proxy terminating TLS).
    cert: str = ""
    key: str = ""
    # searches answer at most this many objects and say the result was truncated
    search_limit: int = 50
    # each client address may ask rate_per_second on average, rate_burst at once; past it, 429
    rate_per_second: float = 10.0
    rate_burst: int = 50
    # Cache-Control max-age of successful answers and of 404s
    cache_seconds: int = 300
    not_found_cache_seconds: int = 60
    # threads reading the database (each holds one connection at a time): a few let
    # MariaDB round trips overlap; on SQLite more only contend for the GIL
    # (docs/performance.md)
    read_threads: int = 4
    # processes serving the port (one socket bound once, every worker accepting from it;
    # rdap/server.py): more use more cores. Each keeps its own rate buckets, with
    # 1/workers of the rate and burst, so that no client gets more than configured
    workers: int = 1
    terms_url: str = "https://www.example.net/rdap-terms"
    # the profile of what belongs to no TLD (name servers, registrars, help, searches,
    # errors); a domain follows its TLD's rdds_profile
    profile: str = "gtld"
    # the WHOIS server's name, published as port43 for TLDs with WHOIS on; empty: none
    port43: str = ""

    def __post_init__(self) -> None:
        if self.profile not in RDDS_PROFILES:
            raise ConfigError(f"[rdap] profile must be one of {', '.join(RDDS_PROFILES)}, "
                              f"not {self.profile!r}")
        if bool(self.cert) != bool(self.key):
            raise ConfigError("[rdap] cert and key go together: give both or neither")
        if not 1 <= self.search_limit <= 1000:
            raise ConfigError(f"[rdap] search_limit must be 1 to 1000, not {self.search_limit}")
        if self.rate_per_second <= 0 or self.rate_burst < 1:
            raise ConfigError("[rdap] rate_per_second and rate_burst must be positive")
        if not 1 <= self.workers <= 64:
            raise ConfigError(f"[rdap] workers must be 1 to 64, not {self.workers}")
        if not 1 <= self.read_threads <= 256:
            raise ConfigError(f"[rdap] read_threads must be 1 to 256, not {self.read_threads}")

    @property
    def public_base(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/") + "/"
        scheme = "https" if self.cert else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}/"
