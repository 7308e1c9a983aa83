"""A TCP proxy between PyRar and MariaDB that can lose a connection at chosen moments.

It reads the client's side of the MariaDB protocol packet by packet (a 3-byte length and a
sequence number, then the payload; a COM_QUERY payload is 0x03 then the SQL text: PyMySQL
sends every statement, COMMIT included, that way), so a fault can strike right before or
right after a given statement reaches the server:

- ``before``: the statement is never sent; both sides are closed.
- ``after``: the statement is sent and the server runs it; its answer is swallowed and both
  sides are closed, so the client cannot know what happened (for COMMIT: it committed).
- ``stall``: the statement is sent and the server runs it; its answer is held back, as a
  frozen server or network would, until the fault's ``release`` is set (then the connection
  goes on) or the client gives up and closes (then the server's side is closed too).

Each fault strikes once. ``refuse`` turns new connections away (closed at once) for as long
as it is set: the database "unreachable" for a while (``go_down`` cuts the open ones too).
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from dataclasses import dataclass, field

COM_QUERY = 0x03


@dataclass
class Fault:
    when: str                  # "before", "after" or "stall" (see the module's docstring)
    statement: re.Pattern      # matched against the SQL text of each COM_QUERY
    # only in a transaction that has run such a statement (PyMySQL's own set-up of a new
    # connection ends in a COMMIT that is not a command's)
    following: re.Pattern | None = None
    refuse_after: threading.Event | None = None   # set when the fault strikes
    struck: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)  # ends a stall

    def strike(self) -> None:
        if self.refuse_after is not None:
            self.refuse_after.set()
        self.struck.set()


class DbProxy:
    def __init__(self, target: tuple[str, int] = ("127.0.0.1", 3306)) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.refuse = threading.Event()
        self._closed = threading.Event()
        self._sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept, name="db-proxy", daemon=True).start()

    def url(self, database_url: str) -> str:
        """``database_url`` (mysql+pymysql://user@host:port/db...) through this proxy."""
        return re.sub(r"@[^/@]+/", f"@127.0.0.1:{self.port}/", database_url, count=1)

    def arm(self, when: str, statement: str, *, following: str | None = None,
            then_refuse: bool = False) -> Fault:
        """Lose (or stall) the connection once, ``when`` ("before"/"after"/"stall") a
        statement that the
        regular expression ``statement`` matches whole (case-insensitive) reaches the server,
        in a transaction that ran a statement matching ``following`` before; with
        ``then_refuse``, new connections are refused from then on (``refuse``)."""
        if when not in ("before", "after", "stall"):
            raise ValueError(when)
        fault = Fault(when, _pattern(statement), _pattern(following) if following else None,
                      self.refuse if then_refuse else None)
        with self._lock:
            self._faults.append(fault)
        return fault

    def go_down(self) -> None:
        """The database unreachable: every connection cut, new ones refused until
        ``refuse`` is cleared."""
        self.refuse.set()
        with self._lock:
            sockets = list(self._sockets)
        for s in sockets:
            _close(s)

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for s in sockets:
            _close(s)

    # -- plumbing ---------------------------------------------------------------------------
    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.refuse.is_set():
                _close(client)
                continue
            try:
                server = socket.create_connection(self.target)
            except OSError:
                _close(client)
                continue
            link = _Link(self, client, server)
            with self._lock:
                self._sockets |= {client, server}
            threading.Thread(target=link.client_to_server, daemon=True).start()
            threading.Thread(target=link.server_to_client, daemon=True).start()

    def _take_fault(self, sql: str, earlier: list[str]) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.statement.fullmatch(sql) and (fault.following is None or any(
                        fault.following.fullmatch(e) for e in earlier)):
                    self._faults.remove(fault)
                    return fault
        return None


class _Link:
    """One client connection and its server connection."""

    def __init__(self, proxy: DbProxy, client: socket.socket, server: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.server = server
        self.swallow = threading.Event()  # the next answer is lost (or held back)
        self.pending_fault: Fault | None = None
        self.transaction: list[str] = []  # the statements since the last COMMIT/ROLLBACK

    def cut(self) -> None:
        _close(self.client)
        _close(self.server)
        if self.pending_fault is not None:
            self.pending_fault.release.set()  # a held answer has nowhere to go now

    def client_to_server(self) -> None:
        try:
            while True:
                header = _read_exactly(self.client, 4)
                length = int.from_bytes(header[:3], "little")
                payload = _read_exactly(self.client, length)
                fault = None
                if payload[:1] == bytes([COM_QUERY]):
                    sql = payload[1:].decode("utf-8", "replace").strip()
                    fault = self.proxy._take_fault(sql, self.transaction)
                    self.transaction.append(sql)
                    if sql.upper() in ("COMMIT", "ROLLBACK"):
                        self.transaction = []
                if fault is not None and fault.when == "before":
                    fault.strike()
                    self.cut()
                    return
                if fault is not None:
                    self.pending_fault = fault
                    self.swallow.set()
                self.server.sendall(header + payload)
        except OSError:
            self.cut()

    def server_to_client(self) -> None:
        try:
            while True:
                data = self.server.recv(65536)
                if not data:
                    break
                if self.swallow.is_set():
                    # the server has run the statement (it is answering)
                    fault = self.pending_fault
                    if fault is not None:
                        fault.strike()
                    if fault is None or fault.when != "stall":
                        break  # lose the answer with the connection
                    fault.release.wait()  # the client may give up (and close) meanwhile
                    self.swallow.clear()
                self.client.sendall(data)
        except OSError:
            pass
        self.cut()


def _pattern(text: str) -> re.Pattern:
    return re.compile(text, re.IGNORECASE | re.DOTALL)


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
