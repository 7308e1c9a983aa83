"""One-pass XSD validation of whole <epp> documents, and which namespaces a frame uses.

The schema set is strict (RFC 5730's ``<any namespace="##other"/>``), so a command whose
object or ``<extension>`` child is in a namespace we do not ship fails validation like any
other malformed command.  RFC 5730 wants 2307 (unimplemented object service) and 2103
(unimplemented extension) for those, so a server asks ``unserved_object`` and
``unserved_extensions`` first and validates only what it could serve.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from schemas import EXTENSION_URIS, NAMESPACES, OBJECT_URIS, load_schema

_EPP = NAMESPACES["epp"]
_PREFIX_OF = {uri: prefix for prefix, uri in NAMESPACES.items()}
_CLARK = re.compile(r"\{([^}]*)\}([A-Za-z_][\w.\-]*)")
_REASON_LIMIT = 240

# Commands whose single child is an element of an object mapping (RFC 5730 2.9).
_OBJECT_COMMANDS = frozenset(
    f"{{{_EPP}}}{name}"
    for name in ("check", "create", "delete", "info", "renew", "transfer", "update")
)


@dataclass(eq=False)
class SchemaInvalid(Exception):
    """The document does not validate; ``reason`` is a one-line account of the first error."""

    reason: str

    def __str__(self) -> str:
        return self.reason


class EppValidator:
    """Validates whole <epp> documents against the schemas we ship, in one pass."""

    def __init__(self, schema: etree.XMLSchema | None = None) -> None:
        self._schema = schema if schema is not None else load_schema()

    def validate(self, doc: etree._Element | etree._ElementTree) -> None:
        """Return quietly if ``doc`` is valid, else raise ``SchemaInvalid``."""
        try:
            valid = self._schema.validate(doc)
        except etree.XMLSchemaValidateError as exc:
            # libxml2 gives up this way on trees it cannot walk (e.g. with DTD nodes).
            raise SchemaInvalid(_trim(f"document could not be validated: {exc}")) from None
        if not valid:
            raise SchemaInvalid(describe_error(self._schema.error_log))

    def is_valid(self, doc: etree._Element | etree._ElementTree) -> bool:
        try:
            self.validate(doc)
        except SchemaInvalid:
            return False
        return True


def describe_error(log: etree._ListErrorLog) -> str:
    """Line, element and message of the first libxml2 error, with readable names, trimmed."""
    if not log:
        return "document is not valid against the EPP schemas"
    first = log[0]
    message = " ".join(first.message.split())
    message = _CLARK.sub(_short_name, message)
    return _trim(f"line {first.line}: {message}")


def command_object_namespace(doc: etree._Element) -> str | None:
    """Namespace of the object element of an object command, or None for other frames."""
    command = _command(doc)
    if command is None or len(command) == 0:
        return None
    verb = command[0]
    if verb.tag not in _OBJECT_COMMANDS:
        return None
    children = [c for c in verb if isinstance(c.tag, str)]
    return etree.QName(children[0]).namespace if children else None


def unserved_object(doc: etree._Element, served: Iterable[str] = OBJECT_URIS) -> str | None:
    """The object namespace of this command if we do not serve it (answer 2307)."""
    namespace = command_object_namespace(doc)
    if namespace is None or namespace in frozenset(served):
        return None
    return namespace


def extension_namespaces(doc: etree._Element) -> list[str]:
    """Namespaces of the children of the command's (or response's) <extension>, in order."""
    parent = _command(doc)
    if parent is None:
        parent = doc.find(f"{{{_EPP}}}response")
    if parent is None:
        return []
    extension = parent.find(f"{{{_EPP}}}extension")
    if extension is None:
        return []
    return [etree.QName(child).namespace or "" for child in extension if isinstance(child.tag, str)]


def unserved_extensions(doc: etree._Element, served: Iterable[str] = EXTENSION_URIS) -> list[str]:
    """Extension namespaces in this frame that we do not serve (answer 2103), no duplicates."""
    allowed = frozenset(served)
    unserved: list[str] = []
    for namespace in extension_namespaces(doc):
        if namespace not in allowed and namespace not in unserved:
            unserved.append(namespace)
    return unserved


def _command(doc: etree._Element) -> etree._Element | None:
    if doc.tag != f"{{{_EPP}}}epp":
        return None
    return doc.find(f"{{{_EPP}}}command")


def _short_name(match: re.Match[str]) -> str:
    prefix = _PREFIX_OF.get(match.group(1))
    return f"{prefix}:{match.group(2)}" if prefix else match.group(0)


def _trim(text: str) -> str:
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 3] + "..."
