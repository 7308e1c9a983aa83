"""The ``[eppd]`` table of the configuration file."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True)
class EppdSettings:
    """Listening address, TLS files and per-connection limits of the EPP server.

    ``cert``, ``key`` and ``ca`` are taken relative to the configuration file. The sandbox
    listens on 7000; production uses the IANA port 700 (RFC 5734).
    """

    host: str = "127.0.0.1"
    port: int = 7000
    cert: str = "certs/server.pem"
    key: str = "certs/server.key"
    ca: str = "certs/ca.pem"
    # Largest frame accepted, header included; a longer announced length closes the connection.
    max_frame_bytes: int = 1 * MIB
    idle_timeout: float = 600.0
    # a connection must finish its TLS handshake within this
    handshake_timeout: float = 10.0
    # connections one source address may hold before they log in, per worker
    # (eppd.admission): at least what a registrar opens at once from one address (a whole
    # pool of sessions reconnecting after a restart, say)
    max_pending_per_address: int = 64
    max_sessions_per_registrar: int = 10
    workers: int = 1
    login_failures_before_close: int = 3
    log_frames: bool = False
    # "threads": backend calls run in a pool as large as [database] pool_size, so a slow query
    # stalls only its own session. "inline": on the reactor thread; no thread handoffs (which
    # cost about 40% of the rate on this stack, see bench/epp_load.py) but a slow query
    # stalls every session of that worker. Only with several workers, and measured.
    backend_calls: str = "threads"
