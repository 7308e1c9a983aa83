"""The listening socket: SO_REUSEPORT so several worker processes accept on one port."""

from __future__ import annotations

import socket

from twisted.internet.interfaces import IListeningPort, IReactorSocket
from twisted.internet.protocol import Factory
from twisted.protocols.tls import TLSMemoryBIOFactory

from eppd.tls import ServerTLS

BACKLOG = 1024


def open_listening_socket(host: str, port: int, backlog: int = BACKLOG) -> socket.socket:
    """Bind and listen; the kernel spreads new connections over every process bound so."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if family == socket.AF_INET6 and host == "::":
            # "::" serves IPv4 too, so one setting covers both families.
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind((host, port))
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def listen_tls(reactor: IReactorSocket, host: str, port: int, tls: ServerTLS,
               factory: Factory) -> IListeningPort:
    sock = open_listening_socket(host, port)
    try:
        return reactor.adoptStreamPort(sock.fileno(), sock.family,
                                       TLSMemoryBIOFactory(tls, False, factory))
    finally:
        # adoptStreamPort works on its own duplicate of the descriptor.
        sock.close()
