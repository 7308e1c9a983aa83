"""The check floors of ``bench/check_floor.py`` answer checks correctly: a floor that answered
wrongly (every name free, say) would measure less work than a check is."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from bench.check_floor import build_check_floor
from eppd.backend import ServiceMenu
from eppd.channel import Peer
from eppd.namespaces import DOMAIN, EPP
from eppd.parsing import parse_frame
from pyrar.cli.main import main
from registry.config import Config
from registry.flows.context import Actor
from registry.flows.domain_create import DomainCreate
from registry.models import Registrar
from registry.service import Registry
from tests.eppd.eppd_core_world import NS
from tests.eppd.eppd_servers import free_port


class Frames:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def send_frame(self, payload: bytes) -> None:
        self.sent.append(payload)


def frame(body: str) -> bytes:
    return f'<epp xmlns="{EPP}"><command>{body}<clTRID>floor-1</clTRID></command></epp>'.encode()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    directory = tmp_path_factory.mktemp("check-floor") / "sandbox"
    assert main(["init", str(directory), "--tld", "example", "--epp-port", str(free_port()),
                 "--dns-port", str(free_port()), "--pdns-api-port", str(free_port())]) == 0
    config = directory / "pyrar.toml"
    registry = Registry.from_config(Config.load(config))
    registrar_id = registry.run(lambda ctx: ctx.session.scalar(
        select(Registrar.id).where(Registrar.clid == "registrar1")))
    registry.execute(DomainCreate("taken.example"), Actor.registrar(registrar_id, "registrar1"))
    registry.close()
    return config


@pytest.mark.parametrize("depth", ["core", "database"])
def test_check_floor_answers_from_the_database(sandbox, schema_check, depth):
    loop = asyncio.new_event_loop()
    reactor = type("Reactor", (), {"_asyncioEventloop": loop})()
    make_sink = build_check_floor(reactor, None, sandbox, ServiceMenu(obj_uris=(DOMAIN,)),
                                  depth)
    channel = Frames()
    sink = make_sink(Peer("127.0.0.1", 700, "no-fingerprint"), channel)
    sink.start()
    sink.frame_received(frame(
        "<login><clID>registrar1</clID><pw>not-checked</pw><options><version>1.0</version>"
        f"<lang>en</lang></options><svcs><objURI>{DOMAIN}</objURI></svcs></login>"))
    sink.frame_received(frame(
        f'<check><domain:check xmlns:domain="{DOMAIN}"><domain:name>taken.example</domain:name>'
        "<domain:name>free.example</domain:name></domain:check></check>"))
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()
    for payload in channel.sent:
        schema_check(payload)
    answer = parse_frame(channel.sent[-1])
    avail = {e.text: e.get("avail") for e in answer.iterfind(".//d:chkData/d:cd/d:name", NS)}
    assert avail == {"taken.example": "0", "free.example": "1"}
    assert answer.findtext(".//e:trID/e:clTRID", namespaces=NS) == "floor-1"
