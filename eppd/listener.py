"""The listening socket: bound once by the supervisor, shared by every worker process.

EPP sessions last for hours, so where a connection lands is where its load stays. The
kernel's SO_REUSEPORT hashing spreads a few long sessions unevenly (8 over 2 workers: 6 and
2 or worse more than one time in four), so the workers accept from one shared socket
instead, the least busy first: each publishes its count of open connections in a slot of
a small shared array, and when a connection waits, only a worker with the lowest count
takes it at once; the others look again a moment later, in case the least busy one is
stuck. A port bound once also cannot be shared by a second server started by mistake, and
a worker that dies loses no queued connection.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from dataclasses import dataclass

from twisted.internet import tcp
from twisted.internet.interfaces import IListeningPort, IReactorTime
from twisted.internet.protocol import Factory
from twisted.protocols.tls import TLSMemoryBIOFactory

from eppd.tls import ServerTLS

BACKLOG = 1024
# How long a worker that is not the least busy leaves a waiting connection to the others.
DEFER_SECONDS = 0.05


@dataclass(frozen=True)
class WorkerLoad:
    """Every worker's count of open connections, in memory the workers share."""

    counts: Sequence[int]  # a multiprocessing RawArray("i", workers), one slot per worker
    index: int  # this worker's slot

    def publish(self, count: int) -> None:
        self.counts[self.index] = count

    def least_busy(self) -> bool:
        return self.counts[self.index] <= min(self.counts)


class ListenError(Exception):
    """The port cannot be bound (in use, not permitted, no such address)."""


def open_listening_socket(host: str, port: int, backlog: int = BACKLOG) -> socket.socket:
    """Bind and listen, before any worker starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and host == "::":
            # "::" serves IPv4 too, so one setting covers both families.
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind((host, port))
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError as e:
        sock.close()
        raise ListenError(f"cannot listen on {host} port {port}: {e.strerror or e}") from None
    return sock


class CountingTLSFactory(TLSMemoryBIOFactory):
    """The TLS wrapper of the EPP factory, publishing how many connections it holds."""

    def __init__(self, tls: ServerTLS, factory: Factory, load: WorkerLoad) -> None:
        super().__init__(tls, False, factory)
        self.load = load

    def buildProtocol(self, addr):
        # A connection the EPP factory refuses (eppd.admission) is closed by the port at
        # once: no TLS state, and no change to the load the workers share out by.
        wrapped = self.wrappedFactory.buildProtocol(addr)
        return None if wrapped is None else self.protocol(self, wrapped)

    def registerProtocol(self, p) -> None:
        super().registerProtocol(p)
        self.load.publish(len(self.protocols))

    def unregisterProtocol(self, p) -> None:
        super().unregisterProtocol(p)
        self.load.publish(len(self.protocols))


class LeastBusyPort(tcp.Port):
    """A Twisted port on a socket other workers accept from too (see the module's text)."""

    factory: CountingTLSFactory
    reactor: IReactorTime

    def doRead(self) -> None:
        if self.factory.load.least_busy():
            self._accept_one()
            return
        self.stopReading()
        self.reactor.callLater(DEFER_SECONDS, self._look_again)

    def _look_again(self) -> None:
        if self.connected and not self.disconnecting:
            self._accept_one()  # nothing, if a less busy worker took it meanwhile
            self.startReading()

    def _accept_one(self) -> None:
        self.numberAccepts = 1  # Twisted would grow it and take a whole burst at once
        super().doRead()


def listen_tls(reactor: object, sock: socket.socket, tls: ServerTLS, factory: Factory,
               load: WorkerLoad) -> IListeningPort:
    """Serve TLS on the shared listening ``sock`` (the port works on its own duplicate)."""
    # What reactor.adoptStreamPort does, with our port class.
    port = LeastBusyPort._fromListeningDescriptor(
        reactor, sock.fileno(), sock.family, CountingTLSFactory(tls, factory, load))
    port.startListening()
    load.publish(0)  # from now on this worker takes its share
    return port
