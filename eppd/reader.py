"""Frame bytes to a validated document: safe parsing, served namespaces, then the schemas."""

from __future__ import annotations

from lxml import etree

from eppd.backend import ServiceMenu
from eppd.namespaces import EPP
from eppd.parsing import FrameRejected, parse_frame
from eppd.session import BadFrame
from eppd.validation import EppValidator, SchemaInvalid, unserved_extensions, unserved_object

_CL_TRID = f"{{{EPP}}}command/{{{EPP}}}clTRID"


class ValidatingReader:
    """The ``FrameReader`` of the real server and the floor."""

    def __init__(self, menu: ServiceMenu, validator: EppValidator | None = None) -> None:
        self._menu = menu
        self._validator = validator or EppValidator()

    def read(self, payload: bytes) -> etree._Element:
        try:
            doc = parse_frame(payload)
        except FrameRejected as e:
            raise BadFrame(str(e)) from None
        # RFC 5730 has codes of its own for namespaces we do not serve; strict validation
        # would only call them invalid, so they are looked for first.
        obj = unserved_object(doc, self._menu.obj_uris)
        if obj is not None:
            raise BadFrame(f"Unimplemented object service: {obj}", 2307, _cl_trid(doc))
        extensions = unserved_extensions(doc, self._menu.ext_uris)
        if extensions:
            raise BadFrame(f"Unimplemented extension: {extensions[0]}", 2103, _cl_trid(doc))
        try:
            self._validator.validate(doc)
        except SchemaInvalid as e:
            raise BadFrame(str(e), cl_trid=_cl_trid(doc)) from None
        return doc


def _cl_trid(doc: etree._Element) -> str | None:
    """The client's clTRID if echoing it keeps our response valid (a 3-64 char token)."""
    text = doc.findtext(_CL_TRID) if doc.tag == f"{{{EPP}}}epp" else None
    if text is None:
        return None
    token = " ".join(text.split())
    return token if 3 <= len(token) <= 64 else None
