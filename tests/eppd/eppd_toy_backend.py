"""A tiny Backend for the transport tests: fixed registrars, domain:check, a slow info."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from eppd.backend import CommandReply, CommandRequest, LoginResult, ServiceMenu
from registry.config import Config

DOMAIN = "urn:ietf:params:xml:ns:domain-1.0"
HOST = "urn:ietf:params:xml:ns:host-1.0"
# The name whose info blocks its worker thread for a while: a backend as slow as a busy
# database, for the tests of a server that must stop reading meanwhile.
SLOW_NAME = "slow.example"
SLOW_SECONDS = 1.5
# An info of "gated-<anything>" holds its thread until an info of "open-gated-<the same>"
# arrives (or GATE_SECONDS pass), saying in the log (at once: a warning) that it holds: a
# backend call that is in progress for exactly as long as a test wants.
GATED = "gated-"
OPEN = "open-"
GATE_SECONDS = 30.0

log = logging.getLogger("toy_backend")


@dataclass(frozen=True)
class Registrar:
    password: str
    fingerprint: str


class ToyBackend:
    service_menu = ServiceMenu(
        obj_uris=(DOMAIN, HOST),
        ext_uris=("urn:ietf:params:xml:ns:secDNS-1.1", "urn:ietf:params:xml:ns:rgp-1.0"),
    )

    def __init__(self, registrars: dict[str, Registrar]) -> None:
        self._registrars = registrars
        self._gates: dict[str, threading.Event] = {}
        self._gates_lock = threading.Lock()

    def authenticate(self, clid: str, password: str, new_password: str | None,
                     cert_fingerprint: str, peer_ip: str) -> LoginResult:
        registrar = self._registrars.get(clid)
        if registrar is None or registrar.password != password:
            return LoginResult(2200, "Authentication error: credentials")
        if registrar.fingerprint != cert_fingerprint:
            return LoginResult(2200, "Authentication error: certificate")
        return LoginResult(1000)

    def execute(self, request: CommandRequest) -> CommandReply:
        if request.object_uri != DOMAIN:
            return CommandReply(2101)
        names = [e.text for e in request.command.iter(f"{{{DOMAIN}}}name")]
        if request.verb == "check":
            chk = etree.Element(f"{{{DOMAIN}}}chkData", nsmap={"domain": DOMAIN})
            for name in names:
                cd = etree.SubElement(chk, f"{{{DOMAIN}}}cd")
                etree.SubElement(cd, f"{{{DOMAIN}}}name", avail="1").text = name
            return CommandReply(1000, res_data=(chk,))
        if request.verb == "info":
            if names == [SLOW_NAME]:
                time.sleep(SLOW_SECONDS)
            if len(names) == 1 and names[0].startswith(GATED):
                log.warning("toy backend holds %s", names[0])
                self._gate(names[0]).wait(GATE_SECONDS)
            if len(names) == 1 and names[0].startswith(OPEN + GATED):
                self._gate(names[0].removeprefix(OPEN)).set()
            if names == ["crash.example"]:
                raise RuntimeError("the toy backend fails on purpose")
            return CommandReply(2303)
        return CommandReply(2101)

    def _gate(self, name: str) -> threading.Event:
        with self._gates_lock:
            return self._gates.setdefault(name, threading.Event())


def make_backend(config: Config) -> ToyBackend:
    """Backend factory for eppd.server.run: registrars from ``[toy_backend] registrars``."""
    path = Path(config.data["toy_backend"]["registrars"])
    raw = json.loads(path.read_text())
    return ToyBackend({clid: Registrar(**r) for clid, r in raw.items()})
