"""The ``[whois]`` table of the configuration file."""

from __future__ import annotations

from dataclasses import dataclass

from registry.config import ConfigError


@dataclass(frozen=True)
class WhoisSettings:
    # whether 'pyrar serve' runs WHOIS (a TLD answers only with its whois_enabled on)
    serve: bool = False
    host: str = "127.0.0.1"
    # 43 in production (RFC 3912); a sandbox listens on an unprivileged port
    port: int = 4343
    # each client address may ask rate_per_second on average, rate_burst at once
    rate_per_second: float = 2.0
    rate_burst: int = 20
    # a query is one line: longer, or not finished within query_seconds, is refused
    max_query_bytes: int = 512
    query_seconds: float = 10.0
    read_threads: int = 2
    # where RDAP answers, named in every answer (the data's authoritative service)
    rdap_url: str = ""

    def __post_init__(self) -> None:
        if self.rate_per_second <= 0 or self.rate_burst < 1:
            raise ConfigError("[whois] rate_per_second and rate_burst must be positive")
        if not 64 <= self.max_query_bytes <= 4096:
            raise ConfigError("[whois] max_query_bytes must be 64 to 4096")
        if not 1 <= self.read_threads <= 64:
            raise ConfigError("[whois] read_threads must be 1 to 64")
