"""An EPP client stand-in behind the real upstream backend (registrar/backends/remote.py):
answers as parsed responses, and the link that runs its coroutines."""

from __future__ import annotations

import asyncio

from lxml import etree

from eppclient.responses import Response, parse_response

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
