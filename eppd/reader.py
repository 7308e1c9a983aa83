"""Frame bytes to a validated document: safe parsing, then the schema set in one pass."""

from __future__ import annotations

from lxml import etree

from eppd.parsing import FrameRejected, parse_frame
from eppd.session import BadFrame
from eppd.validation import EppValidator, SchemaInvalid


class ValidatingReader:
    """The ``FrameReader`` for the real server and the floor."""

    def __init__(self, validator: EppValidator | None = None) -> None:
        self._validator = validator or EppValidator()

    def read(self, payload: bytes) -> etree._Element:
        try:
            doc = parse_frame(payload)
            self._validator.validate(doc)
        except (FrameRejected, SchemaInvalid) as e:
            raise BadFrame(str(e)) from None
        return doc
