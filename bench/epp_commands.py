"""A blocking EPP session over TLS (RFC 5734) and the domain/host/secDNS frames benches send.

Deliberately plain (ssl + socket, one command at a time): the bench times from the moment the
whole response frame has been read, so nothing may sit between the socket and the clock.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import struct
import time
from dataclasses import dataclass

EPP = "urn:ietf:params:xml:ns:epp-1.0"
DOMAIN = "urn:ietf:params:xml:ns:domain-1.0"
HOST = "urn:ietf:params:xml:ns:host-1.0"
CONTACT = "urn:ietf:params:xml:ns:contact-1.0"
SECDNS = "urn:ietf:params:xml:ns:secDNS-1.1"
AUTHINFO = "Bench-2026!x-Str0ng-AuthInfo-Value"
_CODE = re.compile(rb'<(?:\w+:)?result code="(\d{4})"')
_MSG = re.compile(rb"<(?:\w+:)?msg[^>]*>([^<]*)<")

Ds = tuple[int, int, int, str]   # key tag, algorithm, digest type, hex digest


@dataclass(frozen=True)
class Registrar:
    """One entry of a sandbox's ``credentials.json``."""

    clid: str
    password: str
    cert: str
    key: str
    ca: str
    host: str
    port: int


@dataclass(frozen=True)
class Reply:
    code: int
    frame: bytes

    @property
    def message(self) -> str:
        m = _MSG.search(self.frame)
        return m.group(1).decode(errors="replace") if m else ""


class EppError(Exception):
    """A command the bench needs did not succeed."""


class EppSession:
    def __init__(self, registrar: Registrar, timeout: float = 30.0) -> None:
        ctx = ssl.create_default_context(cafile=registrar.ca)
        ctx.load_cert_chain(registrar.cert, registrar.key)
        raw = socket.create_connection((registrar.host, registrar.port), timeout=timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        self._trid = 0
        self.read_frame()  # greeting
        objs = "".join(f"<objURI>{u}</objURI>" for u in (DOMAIN, HOST, CONTACT))
        self.ok(f"<login><clID>{registrar.clid}</clID><pw>{registrar.password}</pw><options>"
                "<version>1.0</version><lang>en</lang></options>"
                f"<svcs>{objs}<svcExtension><extURI>{SECDNS}</extURI></svcExtension></svcs>"
                "</login>")

    def close(self) -> None:
        with contextlib.suppress(OSError, EppError):
            self.command("<logout/>")
        self.sock.close()

    def read_frame(self) -> bytes:
        length = struct.unpack(">I", self._exactly(4))[0]
        return self._exactly(length - 4)

    def _exactly(self, n: int) -> bytes:
        chunks = []
        while n:
            chunk = self.sock.recv(n)
            if not chunk:
                raise EppError("the server closed the connection")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def command(self, body: str, extension: str = "") -> Reply:
        self._trid += 1
        ext = f"<extension>{extension}</extension>" if extension else ""
        payload = (f'<?xml version="1.0" encoding="UTF-8"?><epp xmlns="{EPP}"><command>{body}'
                   f"{ext}<clTRID>bench-{self._trid}</clTRID></command></epp>").encode()
        self.sock.sendall(struct.pack(">I", len(payload) + 4) + payload)
        frame = self.read_frame()
        m = _CODE.search(frame)
        return Reply(int(m.group(1)) if m else 0, frame)

    def ok(self, body: str, extension: str = "") -> Reply:
        reply = self.command(body, extension)
        if reply.code not in (1000, 1001):
            raise EppError(f"{reply.code} {reply.message}: {body[:120]}")
        return reply

    # -- frames ----------------------------------------------------------------------
    def domain_create(self, name: str, nameservers: tuple[str, ...] = (),
                      ds: tuple[Ds, ...] = ()) -> Reply:
        ns = "".join(f"<domain:hostObj>{h}</domain:hostObj>" for h in nameservers)
        return self.ok(
            f'<create><domain:create xmlns:domain="{DOMAIN}"><domain:name>{name}</domain:name>'
            '<domain:period unit="y">1</domain:period>'
            + (f"<domain:ns>{ns}</domain:ns>" if ns else "")
            + f"<domain:authInfo><domain:pw>{AUTHINFO}</domain:pw></domain:authInfo>"
            "</domain:create></create>",
            f'<secDNS:create xmlns:secDNS="{SECDNS}">{_ds_data(ds)}</secDNS:create>'
            if ds else "")

    def domain_update(self, name: str, *, add_ns: tuple[str, ...] = (),
                      rem_ns: tuple[str, ...] = (), add_status: str = "",
                      rem_status: str = "", add_ds: tuple[Ds, ...] = (),
                      rem_ds: tuple[Ds, ...] = ()) -> Reply:
        def part(tag: str, hosts: tuple[str, ...], status: str) -> str:
            ns = "".join(f"<domain:hostObj>{h}</domain:hostObj>" for h in hosts)
            inner = (f"<domain:ns>{ns}</domain:ns>" if ns else "") + (
                f'<domain:status s="{status}"/>' if status else "")
            return f"<domain:{tag}>{inner}</domain:{tag}>" if inner else ""

        sec = ""
        if rem_ds or add_ds:
            sec = (f'<secDNS:update xmlns:secDNS="{SECDNS}">'
                   + (f"<secDNS:rem>{_ds_data(rem_ds)}</secDNS:rem>" if rem_ds else "")
                   + (f"<secDNS:add>{_ds_data(add_ds)}</secDNS:add>" if add_ds else "")
                   + "</secDNS:update>")
        return self.ok(
            f'<update><domain:update xmlns:domain="{DOMAIN}"><domain:name>{name}</domain:name>'
            f"{part('add', add_ns, add_status)}{part('rem', rem_ns, rem_status)}"
            "</domain:update></update>", sec)

    def domain_delete(self, name: str) -> Reply:
        return self.ok(f'<delete><domain:delete xmlns:domain="{DOMAIN}"><domain:name>{name}'
                       "</domain:name></domain:delete></delete>")

    def host_create(self, name: str, addresses: tuple[str, ...]) -> Reply:
        addr = "".join(f'<host:addr ip="{"v6" if ":" in a else "v4"}">{a}</host:addr>'
                       for a in addresses)
        return self.ok(f'<create><host:create xmlns:host="{HOST}"><host:name>{name}'
                       f"</host:name>{addr}</host:create></create>")


def _ds_data(records: tuple[Ds, ...]) -> str:
    return "".join(
        f"<secDNS:dsData><secDNS:keyTag>{tag}</secDNS:keyTag><secDNS:alg>{alg}</secDNS:alg>"
        f"<secDNS:digestType>{dt}</secDNS:digestType><secDNS:digest>{digest}</secDNS:digest>"
        "</secDNS:dsData>" for tag, alg, dt, digest in records)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_eppd(registrar: Registrar, timeout: float = 60.0) -> None:
    """Until a session opens (the eppd just started accepts logins)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            EppSession(registrar).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
