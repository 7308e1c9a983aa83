"""The server's greeting: who it is and which object mappings and extensions it offers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from eppclient.documents import when
from eppclient.errors import FrameError
from eppclient.namespaces import EPP

_NS = {"e": EPP}


@dataclass(frozen=True)
class Greeting:
    server_id: str
    server_date: datetime | None
    versions: tuple[str, ...]
    langs: tuple[str, ...]
    obj_uris: tuple[str, ...]
    ext_uris: tuple[str, ...]

    def offers(self, uri: str) -> bool:
        return uri in self.obj_uris or uri in self.ext_uris


def parse_greeting(root: etree._Element) -> Greeting:
    greeting = root.find("e:greeting", _NS)
    if greeting is None:
        raise FrameError("expected a <greeting>")

    def texts(path: str) -> tuple[str, ...]:
        return tuple((n.text or "").strip() for n in greeting.findall(path, _NS))

    return Greeting(
        server_id=greeting.findtext("e:svID", "", _NS).strip(),
        server_date=when(greeting.findtext("e:svDate", None, _NS)),
        versions=texts("e:svcMenu/e:version"),
        langs=texts("e:svcMenu/e:lang"),
        obj_uris=texts("e:svcMenu/e:objURI"),
        ext_uris=texts("e:svcMenu/e:svcExtension/e:extURI"),
    )
