"""A server response as values: results (with RFC 9038 extValues), the message queue,
resData and extension elements (kept whole, in any namespace, so nothing is lost)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from eppclient.documents import when
from eppclient.errors import FrameError
from eppclient.fee import FeeCheck
from eppclient.namespaces import EPP

_NS = {"e": EPP}


@dataclass(frozen=True)
class ExtValue:
    """RFC 5730 ``<extValue>``: an element the server echoes with a reason; under RFC 9038,
    a response part in a namespace we did not log in with."""

    value: etree._Element | None
    text: str | None
    reason: str

    @property
    def namespace(self) -> str | None:
        return etree.QName(self.value).namespace if self.value is not None else None

    def xml(self) -> bytes:
        return etree.tostring(self.value) if self.value is not None else b""


@dataclass(frozen=True)
class Result:
    code: int
    message: str
    values: tuple[ExtValue, ...]


@dataclass(frozen=True)
class MessageQueue:
    count: int
    id: str | None
    queued_at: datetime | None
    message: str | None


@dataclass(frozen=True)
class Response:
    results: tuple[Result, ...]
    queue: MessageQueue | None
    res_data: tuple[etree._Element, ...]
    extensions: tuple[etree._Element, ...]
    cl_trid: str | None
    sv_trid: str | None
    frame: bytes

    @property
    def code(self) -> int:
        return self.results[0].code

    @property
    def message(self) -> str:
        return self.results[0].message

    @property
    def ok(self) -> bool:
        return self.code < 2000

    @property
    def ext_values(self) -> tuple[ExtValue, ...]:
        return tuple(v for r in self.results for v in r.values)

    def data(self, uri: str, name: str) -> etree._Element | None:
        """The resData child ``{uri}name``, if any."""
        return _first(self.res_data, uri, name)

    def extension(self, uri: str, name: str) -> etree._Element | None:
        return _first(self.extensions, uri, name)


@dataclass(frozen=True)
class Availability:
    """One ``<cd>`` of a check answer (domain, host or contact); ``fee`` for domains when
    fee-1.0 prices were asked for."""

    name: str
    available: bool
    reason: str | None
    fee: FeeCheck | None = None


def parse_check(response: Response, uri: str, id_name: str) -> list[Availability]:
    """The ``<cd>``s of ``{uri}chkData``; ``id_name`` is "name" (domain, host) or "id"."""
    data = response.data(uri, "chkData")
    found = []
    for cd in data.findall(f"{{{uri}}}cd") if data is not None else ():
        key = cd.find(f"{{{uri}}}{id_name}")
        reason = cd.findtext(f"{{{uri}}}reason")
        found.append(Availability(key.text.strip(), key.get("avail") in ("1", "true"),
                                  reason.strip() if reason else None))
    return found


def parse_response(root: etree._Element, frame: bytes) -> Response:
    response = root.find("e:response", _NS)
    if response is None:
        raise FrameError("expected a <response>")
    results = tuple(_result(r) for r in response.findall("e:result", _NS))
    if not results:
        raise FrameError("a response without <result>")
    queue = response.find("e:msgQ", _NS)
    res_data = response.find("e:resData", _NS)
    extension = response.find("e:extension", _NS)
    return Response(
        results=results,
        queue=_queue(queue) if queue is not None else None,
        res_data=tuple(res_data) if res_data is not None else (),
        extensions=tuple(extension) if extension is not None else (),
        cl_trid=response.findtext("e:trID/e:clTRID", None, _NS),
        sv_trid=response.findtext("e:trID/e:svTRID", None, _NS),
        frame=frame,
    )


def _result(node: etree._Element) -> Result:
    values = []
    for ext in node.findall("e:extValue", _NS):
        value = ext.find("e:value", _NS)
        inner = value[0] if value is not None and len(value) else None
        values.append(ExtValue(inner, (value.text or "").strip() if value is not None else None,
                               ext.findtext("e:reason", "", _NS).strip()))
    for value in node.findall("e:value", _NS):
        values.append(ExtValue(value[0] if len(value) else None, (value.text or "").strip(), ""))
    return Result(int(node.get("code")), node.findtext("e:msg", "", _NS).strip(), tuple(values))


def _queue(node: etree._Element) -> MessageQueue:
    return MessageQueue(count=int(node.get("count", "0")), id=node.get("id"),
                        queued_at=when(node.findtext("e:qDate", None, _NS)),
                        message=node.findtext("e:msg", None, _NS))


def _first(nodes: tuple[etree._Element, ...], uri: str, name: str) -> etree._Element | None:
    wanted = f"{{{uri}}}{name}"
    return next((n for n in nodes if n.tag == wanted), None)
