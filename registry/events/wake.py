"""Waking a consumer after a commit, so it need not poll for latency.

Best effort everywhere: a consumer still polls, so a lost wake costs latency, never an event.
In-process, a producer rings the consumer's ``Doorbell`` directly. Across processes (eppd
and zonegen under ``pyrar serve``) the consumer binds a Unix datagram socket
``wake-<consumer>.sock`` in the runtime directory and producers send it one byte,
non-blocking, ignoring every error (no socket, nobody bound, full buffer, no permission). Unix
sockets carry nothing onto any network.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

log = logging.getLogger("pyrar.events.wake")


def socket_path(run_dir: Path, consumer: str) -> Path:
    return run_dir / f"wake-{consumer}.sock"


class Doorbell:
    """Where a consumer waits between passes: rung in-process (``ring``) or by a datagram to
    its socket, if it has one."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._read, self._write = os.pipe()
        os.set_blocking(self._read, False)
        os.set_blocking(self._write, False)
        self._socket = _bind(path) if path is not None else None
        # to remove only our own file: a newer consumer of the same name may replace it
        self._inode = os.stat(path).st_ino if self._socket is not None else None

    @property
    def listening(self) -> bool:
        """Whether other processes can ring it (its socket is bound)."""
        return self._socket is not None

    def ring(self) -> None:
        with contextlib.suppress(OSError):  # already rung, or closed: either way, no matter
            os.write(self._write, b"\0")

    def wait(self, timeout: float) -> bool:
        """Sleep until rung or ``timeout`` seconds have passed; True when rung. Every ring
        before the call counts (they are drained here, so several rings wake once)."""
        sources: list = [self._read] + ([self._socket] if self._socket is not None else [])
        try:
            ready, _, _ = select.select(sources, [], [], max(0.0, timeout))
        except (OSError, ValueError):  # closed meanwhile
            return False
        for source in ready:
            _drain(source)
        return bool(ready)

    def close(self) -> None:
        if self._socket is not None:
            sock, self._socket = self._socket, None
            try:
                if self.path is not None and os.stat(self.path).st_ino == self._inode:
                    os.unlink(self.path)
            except OSError:
                pass
            sock.close()
        for fd in (self._read, self._write):
            with contextlib.suppress(OSError):
                os.close(fd)


def _bind(path: Path) -> socket.socket | None:
    """The consumer's socket; None (and one warning) when it cannot be bound: it then polls."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # left by a consumer that died: one consumer process per name
        sock.bind(str(path))
        sock.setblocking(False)
        return sock
    except OSError as e:
        sock.close()
        log.warning("cannot listen for wake-ups on %s (%s): polling only", path, e)
        return None


def _drain(source) -> None:
    try:
        while True:
            if isinstance(source, socket.socket):
                source.recv(64)
            elif not os.read(source, 64):
                return
    except (BlockingIOError, OSError):
        pass


class Wakeup:
    """The producers' side, one per registry: after a commit, ``notify`` the consumers the
    transaction wrote events for. A consumer in this process is rung directly; any other is
    sent a datagram in ``run_dir`` (None: in-process only)."""

    def __init__(self, run_dir: Path | None = None) -> None:
        self.run_dir = run_dir
        self._local: dict[str, list[Callable[[], None]]] = {}
        self._lock = threading.Lock()
        self._sender: socket.socket | None = None

    def doorbell(self, consumer: str) -> Doorbell:
        """A consumer's doorbell: bound in ``run_dir`` for other processes' producers, and
        rung by this registry's own commits. Close it when the consumer stops."""
        bell = Doorbell(socket_path(self.run_dir, consumer) if self.run_dir else None)
        self.listen(consumer, bell.ring)
        return bell

    def listen(self, consumer: str, ring: Callable[[], None]) -> None:
        with self._lock:
            self._local.setdefault(consumer, []).append(ring)

    def forget(self, consumer: str, ring: Callable[[], None]) -> None:
        with self._lock:
            rings = self._local.get(consumer, [])
            if ring in rings:
                rings.remove(ring)

    def notify(self, consumers: Iterable[str]) -> None:
        for consumer in consumers:
            rings = self._local.get(consumer)
            if rings:
                for ring in list(rings):
                    ring()
            elif self.run_dir is not None:
                self._send(socket_path(self.run_dir, consumer))

    def _send(self, path: Path) -> None:
        try:
            if self._sender is None:
                with self._lock:
                    if self._sender is None:
                        sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                        sender.setblocking(False)
                        self._sender = sender
            self._sender.sendto(b"\0", str(path))
        except OSError:  # nobody listens, its buffer is full, not ours to write: it polls
            pass

    def close(self) -> None:
        if self._sender is not None:
            self._sender.close()
            self._sender = None
