"""An EPP client stand-in behind the real upstream backend (registrar/backends/remote.py):
answers as parsed responses, and the link that runs its coroutines."""

from __future__ import annotations

import asyncio

from lxml import etree

from eppclient.responses import Response, parse_response
from registrar import upstreams
from registrar.config import RegistrarSettings
from registrar.core import RegistrarCore
from registry.flows.context import Actor

EPP = "urn:ietf:params:xml:ns:epp-1.0"
DOMAIN = "urn:ietf:params:xml:ns:domain-1.0"


def response(code: int, res_data: str = "", queue: str = "") -> Response:
    frame = (f'<epp xmlns="{EPP}"><response><result code="{code}"><msg>m</msg></result>'
             f"{queue}{res_data}<trID><svTRID>S1</svTRID></trID></response></epp>").encode()
    return parse_response(etree.fromstring(frame), frame)


class Link:
    """What RemoteRegistry uses of an EppLink, over a stand-in client."""

    def __init__(self, config, client) -> None:
        self.config, self._client = config, client

    def client(self):
        return self._client

    def call(self, work):
        return asyncio.run(work(self._client))

    def close(self) -> None:
        pass


def core_with_upstream(world, tmp_path, settings: RegistrarSettings, client, name: str,
                       **spec) -> RegistrarCore:
    """A registrar core selling TLD ``name`` through upstream ``name``, whose registry is
    the stand-in ``client``; ``spec``: the rest of its UpstreamSpec (prices, contacts)."""
    core = RegistrarCore(world.registry, settings)
    core.upstreams = upstreams.UpstreamSet(link=lambda config: Link(config, client))
    files = []
    for part in ("ca", "cert", "key"):
        (path := tmp_path / f"{part}.pem").write_text("not read here")
        files.append(str(path))
    world.registry.run(lambda ctx: upstreams.add(ctx, upstreams.UpstreamSpec(
        name, "127.0.0.1", 700, *files, clid="site1", password="S3cret-pw", tlds=(name,),
        **spec), "USD"), Actor.operator("t"))
    return core
