"""How to reach one registry: address, TLS material, credentials and the session policy."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class RegistryConfig:
    name: str                 # ours, for logs and errors ("alpha-registry")
    host: str
    port: int
    ca: Path                  # the registry's CA: the only one trusted for its certificate
    cert: Path                # our client certificate (PEM) and its key
    key: Path
    clid: str
    password: str = field(repr=False)
    tls_name: str | None = None       # the name in the server's certificate (default: host)
    sessions: int = 2                 # logged-in sessions the pool keeps
    max_sessions: int = 4             # the registry's cap on our open connections
    idle_timeout: float = 600.0       # the registry's: it closes a session idle this long
    keepalive: float | None = None    # send <hello> after this idle time (default: half)
    command_timeout: float = 30.0     # per command, from sending to the whole answer
    connect_timeout: float = 15.0     # TCP + TLS + greeting + login
    acquire_timeout: float = 30.0     # waiting for a free session of the pool
    backoff_initial: float = 0.5      # reconnect delays double from here ...
    backoff_max: float = 60.0         # ... up to this
    max_frame_bytes: int = 4 * 1024 * 1024
    lang: str = "en"
    user_agent: str = "PyRar eppclient"
    clock_skew: float = 300.0         # tolerated difference between our clock and the registry's
    # extension URIs to log in with (of those the client knows and the greeting offers);
    # None: all of them. A message part in another namespace comes as an RFC 9038 extValue.
    extensions: tuple[str, ...] | None = None
    currency: str | None = None       # for fee-1.0 (default: the registry's)

    def __post_init__(self) -> None:
        if not 1 <= self.sessions <= self.max_sessions:
            raise ValueError(f"sessions must be 1..max_sessions ({self.max_sessions})")
        if self.keepalive is not None and self.keepalive >= self.idle_timeout:
            raise ValueError("keepalive must be shorter than the registry's idle timeout")

    @property
    def keepalive_after(self) -> float:
        return self.keepalive if self.keepalive is not None else self.idle_timeout / 2


def tls_context(config: RegistryConfig) -> ssl.SSLContext:
    """TLS 1.2 or 1.3, the registry's certificate checked against its CA (and name), our
    certificate presented."""
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(config.ca))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(config.cert), str(config.key))
    return context
