"""What PyRar's EPP server says of itself in its greeting (RFC 5730 section 2.4): the
protocol versions, the languages, the object and extension URIs and the data collection
policy. In one place because two say it: eppd's greeting and the escrow deposit's EPP
parameters object (RFC 9022 section 5.9)."""

from __future__ import annotations

from lxml import etree

from . import namespaces
from .namespaces import ALLOCATION_TOKEN, BALANCE, EPP, IDN, LAUNCH

VERSIONS = ("1.0",)
LANGUAGES = ("en",)
# What both ends speak (schemas.namespaces), plus what only the server offers (a registrar's
# balance, Verisign's mapping that clients such as epptools look for; launch phases and the
# TMCH, which RST requires of a gTLD registry; the IDN table a create is made under;
# allocation tokens for reserved and premium names).
OBJECT_URIS = (*namespaces.OBJECTS, BALANCE)
EXTENSION_URIS = (*namespaces.EXTENSIONS, LAUNCH, IDN, ALLOCATION_TOKEN)


def data_collection_policy(parent: etree._Element, tag: str = f"{{{EPP}}}dcp"
                           ) -> etree._Element:
    """The ``<dcp>`` (epp:dcpType) as ``tag`` under ``parent``.

    Registration data is collected to provision objects and is shown publicly (RDAP) per
    policy; it is kept as the registry agreement states.
    """
    e = f"{{{EPP}}}"
    dcp = etree.SubElement(parent, tag)
    etree.SubElement(etree.SubElement(dcp, e + "access"), e + "all")
    statement = etree.SubElement(dcp, e + "statement")
    purpose = etree.SubElement(statement, e + "purpose")
    etree.SubElement(purpose, e + "admin")
    etree.SubElement(purpose, e + "prov")
    recipient = etree.SubElement(statement, e + "recipient")
    etree.SubElement(recipient, e + "ours")
    etree.SubElement(recipient, e + "public")
    etree.SubElement(etree.SubElement(statement, e + "retention"), e + "stated")
    return dcp
