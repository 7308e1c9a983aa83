"""Server-to-client documents: the greeting and ``<response>``, serialised with lxml."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from eppd.backend import CommandReply, MessageQueue, ResultValue, ServiceMenu
from eppd.namespaces import EPP
from eppd.result_codes import message

_E = f"{{{EPP}}}"
NSMAP = {None: EPP}
# msgType is a normalizedString; a reason longer than this is cut, it is for humans.
MAX_MESSAGE_CHARS = 500


def format_datetime(moment: datetime) -> str:
    """xs:dateTime in UTC with milliseconds, e.g. ``2026-01-02T03:04:05.678Z``."""
    if moment.utcoffset():
        raise ValueError("EPP dates are written in UTC")
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"


def greeting(server_id: str, now: datetime, menu: ServiceMenu) -> bytes:
    """The ``<greeting>`` sent on connect and in answer to ``<hello>`` (RFC 5730 2.4)."""
    root = etree.Element(_E + "epp", nsmap=NSMAP)
    greet = etree.SubElement(root, _E + "greeting")
    etree.SubElement(greet, _E + "svID").text = server_id
    etree.SubElement(greet, _E + "svDate").text = format_datetime(now)
    svc_menu = etree.SubElement(greet, _E + "svcMenu")
    etree.SubElement(svc_menu, _E + "version").text = "1.0"
    etree.SubElement(svc_menu, _E + "lang").text = "en"
    for uri in menu.obj_uris:
        etree.SubElement(svc_menu, _E + "objURI").text = uri
    if menu.ext_uris:
        ext = etree.SubElement(svc_menu, _E + "svcExtension")
        for uri in menu.ext_uris:
            etree.SubElement(ext, _E + "extURI").text = uri
    _data_collection_policy(greet)
    return _serialise(root)


def response(reply: CommandReply, cl_trid: str | None, sv_trid: str) -> bytes:
    """A ``<response>`` carrying ``reply`` and the transaction identifiers."""
    root = etree.Element(_E + "epp", nsmap=NSMAP)
    resp = etree.SubElement(root, _E + "response")
    result = etree.SubElement(resp, _E + "result", code=str(reply.code))
    etree.SubElement(result, _E + "msg").text = _clip(reply.message or message(reply.code))
    for value in reply.values:
        _result_value(result, value)
    if reply.msg_queue is not None:
        _msg_queue(resp, reply.msg_queue)
    if reply.res_data:
        res_data = etree.SubElement(resp, _E + "resData")
        res_data.extend(reply.res_data)
    if reply.extensions:
        extension = etree.SubElement(resp, _E + "extension")
        extension.extend(reply.extensions)
    tr_id = etree.SubElement(resp, _E + "trID")
    if cl_trid is not None:
        etree.SubElement(tr_id, _E + "clTRID").text = cl_trid
    etree.SubElement(tr_id, _E + "svTRID").text = sv_trid
    return _serialise(root)


def _result_value(result: etree._Element, value: ResultValue) -> None:
    if value.reason is None:
        etree.SubElement(result, _E + "value").append(value.element)
        return
    ext_value = etree.SubElement(result, _E + "extValue")
    etree.SubElement(ext_value, _E + "value").append(value.element)
    etree.SubElement(ext_value, _E + "reason").text = _clip(value.reason)


def _msg_queue(resp: etree._Element, queue: MessageQueue) -> None:
    msg_q = etree.SubElement(resp, _E + "msgQ", count=str(queue.count), id=queue.id)
    if queue.q_date is not None:
        etree.SubElement(msg_q, _E + "qDate").text = format_datetime(queue.q_date)
    if queue.message is not None:
        etree.SubElement(msg_q, _E + "msg").text = queue.message


def _data_collection_policy(greet: etree._Element) -> None:
    # Registration data is collected to provision objects and is shown publicly (RDAP) per
    # policy; it is kept as the registry agreement states.
    dcp = etree.SubElement(greet, _E + "dcp")
    etree.SubElement(etree.SubElement(dcp, _E + "access"), _E + "all")
    statement = etree.SubElement(dcp, _E + "statement")
    purpose = etree.SubElement(statement, _E + "purpose")
    etree.SubElement(purpose, _E + "admin")
    etree.SubElement(purpose, _E + "prov")
    recipient = etree.SubElement(statement, _E + "recipient")
    etree.SubElement(recipient, _E + "ours")
    etree.SubElement(recipient, _E + "public")
    etree.SubElement(etree.SubElement(statement, _E + "retention"), _E + "stated")


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3] + "..."


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=False)
