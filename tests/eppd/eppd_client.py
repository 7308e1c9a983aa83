"""A deliberately plain blocking EPP client for the tests: ssl + socket, nothing shared."""

from __future__ import annotations

import contextlib
import select
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

EPP = "urn:ietf:params:xml:ns:epp-1.0"
NS = {"epp": EPP, "domain": "urn:ietf:params:xml:ns:domain-1.0"}
DOMAIN = "urn:ietf:params:xml:ns:domain-1.0"
HOST = "urn:ietf:params:xml:ns:host-1.0"
# pipeline(): this many 0.1 s selects in a row finding the socket unwritable, data still to
# send, mean the server has stopped reading.
STALLED_SELECTS = 5


class Closed(Exception):
    """The server closed the connection (EOF or reset) instead of sending a frame."""


@dataclass(frozen=True)
class ClientCert:
    cert: Path
    key: Path


def client_context(ca: Path, cert: ClientCert | None, *,
                   minimum: ssl.TLSVersion | None = None,
                   maximum: ssl.TLSVersion | None = None,
                   ciphers: str | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca))
    if cert is not None:
        ctx.load_cert_chain(str(cert.cert), str(cert.key))
    if ciphers is not None:
        ctx.set_ciphers(ciphers)
    if minimum is not None:
        ctx.minimum_version = minimum
    if maximum is not None:
        ctx.maximum_version = maximum
    return ctx


class EppClient:
    def __init__(self, host: str, port: int, ctx: ssl.SSLContext, timeout: float = 5.0,
                 read_greeting: bool = True,
                 check: Callable[[bytes], None] | None = None,
                 source: str | None = None) -> None:
        """``check`` sees every frame the server sends (the tests validate them all);
        ``source`` is the local address to connect from (another of 127.0.0.0/8, say)."""
        self.check = check
        self.timeout = timeout
        raw = socket.create_connection((host, port), timeout=timeout,
                                       source_address=(source, 0) if source else None)
        try:
            self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
            self.greeting = self.read_frame() if read_greeting else None
        except BaseException:
            raw.close()
            raise

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> EppClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_frame(self, payload: bytes) -> None:
        self.sock.sendall(struct.pack(">I", len(payload) + 4) + payload)

    def read_frame(self) -> bytes:
        length = struct.unpack(">I", self._read_exactly(4))[0]
        frame = self._read_exactly(length - 4)
        if self.check is not None:
            self.check(frame)
        return frame

    def request(self, payload: bytes) -> bytes:
        self.send_frame(payload)
        return self.read_frame()

    def pipeline(self, data: bytes, count: int, *, stalled: threading.Event | None = None,
                 read_when: threading.Event | None = None,
                 timeout: float = 30.0) -> list[bytes]:
        """Send ``data`` and read ``count`` frames at once, in this thread (an SSL socket
        must not be used by two threads): non-blocking, driven by select.

        To play a client that does not read: reading waits for ``read_when``, and
        ``stalled`` is set once the client has sent what it can without reading: all of
        ``data``, or as much as the server took before it stopped reading (the socket then
        stays unwritable).
        """
        self.sock.setblocking(False)
        pending = memoryview(data)
        buffer = bytearray()
        frames: list[bytes] = []
        deadline = time.monotonic() + timeout
        unwritable = 0
        try:
            while len(frames) < count:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{len(frames)} of {count} frames in {timeout} s")
                reading = read_when is None or read_when.is_set()
                readable, writable, _ = select.select(
                    [self.sock] if reading else [], [self.sock] if pending else [], [], 0.1)
                if writable and pending:
                    unwritable = 0
                    with contextlib.suppress(ssl.SSLWantWriteError, ssl.SSLWantReadError):
                        pending = pending[self.sock.send(pending[:16384]):]
                elif pending:
                    unwritable += 1
                if stalled is not None and (not pending or unwritable >= STALLED_SELECTS):
                    stalled.set()
                if reading and (readable or self.sock.pending()):
                    try:
                        chunk = self.sock.recv(65536)
                    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                        continue
                    if not chunk:
                        raise Closed("EOF")
                    buffer += chunk
                    frames.extend(self._cut_frames(buffer))
        finally:
            self.sock.setblocking(True)
            self.sock.settimeout(self.timeout)
        return frames

    def _cut_frames(self, buffer: bytearray) -> list[bytes]:
        frames = []
        while len(buffer) >= 4:
            length = struct.unpack(">I", buffer[:4])[0]
            if len(buffer) < length:
                break
            frame = bytes(buffer[4:length])
            del buffer[:length]
            if self.check is not None:
                self.check(frame)
            frames.append(frame)
        return frames

    def expect_closed(self) -> None:
        """Read until the server closes; fail if a frame arrives instead."""
        try:
            data = self.sock.recv(65536)
        except (ConnectionError, ssl.SSLError):
            return
        if data:
            raise AssertionError(f"expected the connection to close, got {data[:200]!r}")

    def _read_exactly(self, n: int) -> bytes:
        chunks = []
        while n:
            try:
                chunk = self.sock.recv(n)
            except (ConnectionResetError, ssl.SSLZeroReturnError, ssl.SSLEOFError) as e:
                raise Closed(str(e)) from e
            if not chunk:
                raise Closed("EOF")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)


def result_code(frame: bytes) -> int:
    return int(etree.fromstring(frame).find(f"{{{EPP}}}response/{{{EPP}}}result").get("code"))


def hello() -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><epp xmlns="{EPP}"><hello/></epp>'.encode()


def login(clid: str, password: str, new_password: str | None = None, lang: str = "en",
          obj_uris: tuple[str, ...] = (DOMAIN,), cl_trid: str = "cl-login") -> bytes:
    new_pw = f"<newPW>{new_password}</newPW>" if new_password else ""
    objs = "".join(f"<objURI>{u}</objURI>" for u in obj_uris)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><epp xmlns="{EPP}"><command><login>'
        f"<clID>{clid}</clID><pw>{password}</pw>{new_pw}"
        f"<options><version>1.0</version><lang>{lang}</lang></options>"
        f"<svcs>{objs}</svcs></login><clTRID>{cl_trid}</clTRID></command></epp>"
    ).encode()


def logout(cl_trid: str = "cl-logout") -> bytes:
    return (f'<epp xmlns="{EPP}"><command><logout/><clTRID>{cl_trid}</clTRID>'
            "</command></epp>").encode()


def domain_check(*names: str, cl_trid: str = "cl-check") -> bytes:
    inner = "".join(f"<domain:name>{n}</domain:name>" for n in names)
    return (
        f'<epp xmlns="{EPP}"><command><check><domain:check xmlns:domain="{DOMAIN}">'
        f"{inner}</domain:check></check><clTRID>{cl_trid}</clTRID></command></epp>"
    ).encode()


def domain_info(name: str, cl_trid: str = "cl-info") -> bytes:
    return (
        f'<epp xmlns="{EPP}"><command><info><domain:info xmlns:domain="{DOMAIN}">'
        f"<domain:name>{name}</domain:name></domain:info></info>"
        f"<clTRID>{cl_trid}</clTRID></command></epp>"
    ).encode()
