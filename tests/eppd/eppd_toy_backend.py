"""A tiny Backend for the transport tests: fixed registrars, domain:check, a slow info."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from eppd.backend import CommandReply, CommandRequest, LoginResult, ServiceMenu
from registry.config import Config

DOMAIN = "urn:ietf:params:xml:ns:domain-1.0"
HOST = "urn:ietf:params:xml:ns:host-1.0"
# The name whose info blocks its worker thread, to show the reactor keeps serving meanwhile.
SLOW_NAME = "slow.example"
SLOW_SECONDS = 1.5


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
            if names == ["crash.example"]:
                raise RuntimeError("the toy backend fails on purpose")
            return CommandReply(2303)
        return CommandReply(2101)


def make_backend(config: Config) -> ToyBackend:
    """Backend factory for eppd.server.run: registrars from ``[toy_backend] registrars``."""
    path = Path(config.data["toy_backend"]["registrars"])
    raw = json.loads(path.read_text())
    return ToyBackend({clid: Registrar(**r) for clid, r in raw.items()})
