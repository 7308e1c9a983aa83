"""allocationToken-1.0 (RFC 8495) on domain commands: the token of a check or a create, and
the info that asks for a domain's token. Renewals, transfers, updates and deletes take no
token here (2102): a token allocates a name, and its price rule is the create's."""

from __future__ import annotations

from lxml import etree

from eppd.namespaces import ALLOCATION_TOKEN, tag
from registry.errors import UnimplementedOption

_TOKEN = tag(ALLOCATION_TOKEN, "allocationToken")
_INFO = tag(ALLOCATION_TOKEN, "info")


def token(extension: etree._Element | None) -> str | None:
    element = extension.find(_TOKEN) if extension is not None else None
    return None if element is None else (element.text or "").strip()


def info_requested(extension: etree._Element | None) -> bool:
    return extension is not None and extension.find(_INFO) is not None


def refuse(extension: etree._Element | None, verb: str) -> None:
    """A token allocates names: it has no meaning on ``verb``."""
    if token(extension) is not None:
        raise UnimplementedOption(f"allocation tokens are taken on check, create and info, "
                                  f"not on {verb}")
