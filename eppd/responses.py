"""Server-to-client documents: the greeting and ``<response>``."""

from __future__ import annotations

import re
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from eppd.backend import CommandReply, MessageQueue, ServiceMenu
from eppd.namespaces import EPP
from eppd.result_codes import message
from schemas.greeting import LANGUAGES, VERSIONS, data_collection_policy

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
    for version in VERSIONS:
        etree.SubElement(svc_menu, _E + "version").text = version
    for language in LANGUAGES:
        etree.SubElement(svc_menu, _E + "lang").text = language
    for uri in menu.obj_uris:
        etree.SubElement(svc_menu, _E + "objURI").text = uri
    if menu.ext_uris:
        ext = etree.SubElement(svc_menu, _E + "svcExtension")
        for uri in menu.ext_uris:
            etree.SubElement(ext, _E + "extURI").text = uri
    data_collection_policy(greet)
    return _serialise(root)


def response(reply: CommandReply, cl_trid: str | None, sv_trid: str) -> bytes:
    """A ``<response>`` carrying ``reply`` and the transaction identifiers.

    Written as text around the reply's own elements: the envelope never changes shape, and
    building it as an lxml tree cost more than the check it usually answers.
    """
    out = [_RESPONSE_HEAD, b'<result code="%d"><msg>' % reply.code,
           _text(_clip(reply.message or message(reply.code))), b"</msg>"]
    for value in reply.values:
        if value.reason is None:
            out += [b"<value>", _element(value.element), b"</value>"]
        else:
            out += [b"<extValue><value>", _element(value.element), b"</value><reason>",
                    _text(_clip(value.reason)), b"</reason></extValue>"]
    out.append(b"</result>")
    if reply.msg_queue is not None:
        out.append(_msg_queue(reply.msg_queue))
    if reply.res_data:
        out += [b"<resData>", *map(_element, reply.res_data), b"</resData>"]
    if reply.extensions:
        out += [b"<extension>", *map(_element, reply.extensions), b"</extension>"]
    out.append(b"<trID>")
    if cl_trid is not None:
        out += [b"<clTRID>", _text(cl_trid), b"</clTRID>"]
    out += [b"<svTRID>", _text(sv_trid), b"</svTRID></trID></response></epp>"]
    return b"".join(out)


_RESPONSE_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
                  b'<epp xmlns="' + EPP.encode() + b'"><response>')
# Characters XML 1.0 does not allow in a document at all; none should ever reach a response.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(text: str) -> bytes:
    return escape(_NOT_XML.sub("\ufffd", text)).encode()


def _element(element: etree._Element) -> bytes:
    """One element of the reply with the namespace declarations it needs."""
    return etree.tostring(element, encoding="UTF-8", with_tail=False)


def _msg_queue(queue: MessageQueue) -> bytes:
    out = [b"<msgQ count=", quoteattr(str(queue.count)).encode(), b" id=",
           quoteattr(queue.id).encode(), b">"]
    if queue.q_date is not None:
        out += [b"<qDate>", format_datetime(queue.q_date).encode(), b"</qDate>"]
    if queue.message is not None:
        out += [b"<msg>", _text(queue.message), b"</msg>"]
    out.append(b"</msgQ>")
    return b"".join(out)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3] + "..."


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=False)
