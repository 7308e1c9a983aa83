"""The deposit document (RFC 8909 envelope, RFC 9022 objects), streamed.

lxml's incremental writer emits each object as it comes, so memory holds one object, not
the TLD. The header with the object counts comes last: the counts are known only then, and
the schema lets it stand anywhere among the contents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from lxml import etree

from registry.escrow_data import (
    EscrowContact,
    EscrowDomain,
    EscrowHost,
    EscrowIdnTable,
    EscrowRegistrar,
    EscrowReservedName,
)
from registry.names import unicode_name
from schemas.greeting import (
    EXTENSION_URIS,
    LANGUAGES,
    OBJECT_URIS,
    VERSIONS,
    data_collection_policy,
)

NS = {
    "rde": "urn:ietf:params:xml:ns:rde-1.0",
    "rdeHeader": "urn:ietf:params:xml:ns:rdeHeader-1.0",
    "rdeDomain": "urn:ietf:params:xml:ns:rdeDomain-1.0",
    "rdeHost": "urn:ietf:params:xml:ns:rdeHost-1.0",
    "rdeContact": "urn:ietf:params:xml:ns:rdeContact-1.0",
    "rdeRegistrar": "urn:ietf:params:xml:ns:rdeRegistrar-1.0",
    "rdeIDN": "urn:ietf:params:xml:ns:rdeIDN-1.0",
    "rdeNNDN": "urn:ietf:params:xml:ns:rdeNNDN-1.0",
    "rdeEppParams": "urn:ietf:params:xml:ns:rdeEppParams-1.0",
    "epp": "urn:ietf:params:xml:ns:epp-1.0",
    "domain": "urn:ietf:params:xml:ns:domain-1.0",
    "host": "urn:ietf:params:xml:ns:host-1.0",
    "contact": "urn:ietf:params:xml:ns:contact-1.0",
    "secDNS": "urn:ietf:params:xml:ns:secDNS-1.1",
    "rgp": "urn:ietf:params:xml:ns:rgp-1.0",
}
# What a deposit holds, each counted in the header.
OBJECTS = ("rdeDomain", "rdeHost", "rdeContact", "rdeRegistrar", "rdeIDN", "rdeNNDN",
           "rdeEppParams")


def uri(prefix: str) -> str:
    return NS[prefix]


def instant(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Envelope:
    tld: str
    kind: str               # "FULL" or "DIFF"
    deposit_id: str
    watermark: datetime
    prev_id: str | None = None
    resend: int = 0


@dataclass(frozen=True)
class Deletes:
    domains: Iterable[str] = ()
    hosts: Iterable[str] = ()
    contacts: Iterable[str] = ()
    idn_tables: Iterable[str] = ()


def write_deposit(out: BinaryIO, envelope: Envelope, *, domains: Iterable[EscrowDomain],
                  hosts: Iterable[EscrowHost], contacts: Iterable[EscrowContact],
                  registrars: Iterable[EscrowRegistrar],
                  reserved: Iterable[EscrowReservedName] = (),
                  idn_tables: Iterable[EscrowIdnTable] = (), deletes: Deletes = Deletes(),
                  progress: Callable[[Counter], None] = lambda _c: None) -> Counter:
    """Write the deposit; returns the count of each object kind (by its namespace URI)."""
    counts: Counter = Counter({uri(p): 0 for p in OBJECTS})
    attributes = {"type": envelope.kind, "id": envelope.deposit_id}
    if envelope.prev_id:
        attributes["prevId"] = envelope.prev_id
    if envelope.resend:
        attributes["resend"] = str(envelope.resend)
    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element(_q("rde", "deposit"), attributes, nsmap=NS):
            xf.write(_text("rde", "watermark", instant(envelope.watermark)))
            menu = etree.Element(_q("rde", "rdeMenu"))
            _sub(menu, "rde", "version", "1.0")
            for prefix in ("rdeHeader", *OBJECTS):
                _sub(menu, "rde", "objURI", uri(prefix))
            xf.write(menu)
            if envelope.kind == "DIFF":
                xf.write(_deletes(deletes))
            with xf.element(_q("rde", "contents")):
                for kind, items, render in (
                        ("rdeRegistrar", registrars, registrar_element),
                        ("rdeIDN", idn_tables, idn_table_element),
                        ("rdeContact", contacts, contact_element),
                        ("rdeHost", hosts, host_element),
                        ("rdeDomain", domains, domain_element),
                        ("rdeNNDN", reserved, reserved_element)):
                    for item in items:
                        xf.write(render(item))
                        counts[uri(kind)] += 1
                        if counts[uri(kind)] % 10_000 == 0:
                            progress(counts)
                xf.write(epp_params_element())
                counts[uri("rdeEppParams")] += 1
                xf.write(header_element(envelope.tld, counts))
    progress(counts)
    return counts


def header_element(tld: str, counts: Counter) -> etree._Element:
    header = etree.Element(_q("rdeHeader", "header"), nsmap={"rdeHeader": uri("rdeHeader")})
    _sub(header, "rdeHeader", "tld", tld)
    for prefix in OBJECTS:
        _sub(header, "rdeHeader", "count", str(counts[uri(prefix)]), uri=uri(prefix))
    return header


def domain_element(d: EscrowDomain) -> etree._Element:
    e = _object("domain", "rdeDomain", "domain", "secDNS")
    _sub(e, "rdeDomain", "name", d.name)
    _sub(e, "rdeDomain", "roid", d.roid)
    if unicode_name(d.name) != d.name:
        _sub(e, "rdeDomain", "uName", unicode_name(d.name))
    if d.idn_table:
        _sub(e, "rdeDomain", "idnTableId", d.idn_table)
    for status in d.statuses:
        _sub(e, "rdeDomain", "status", s=status)
    for status in d.rgp_statuses:
        _sub(e, "rdeDomain", "rgpStatus", s=status)
    if d.registrant:
        _sub(e, "rdeDomain", "registrant", d.registrant)
    for kind, handle in d.contacts:
        _sub(e, "rdeDomain", "contact", handle, type=kind)
    if d.nameservers:
        ns = _sub(e, "rdeDomain", "ns")
        for name in d.nameservers:
            _sub(ns, "domain", "hostObj", name)
    _sub(e, "rdeDomain", "clID", d.sponsor)
    _sub(e, "rdeDomain", "crRr", d.creator)
    _sub(e, "rdeDomain", "crDate", instant(d.created_at))
    _sub(e, "rdeDomain", "exDate", instant(d.expires_at))
    if d.updated_at:
        _sub(e, "rdeDomain", "upRr", d.updater or d.sponsor)
        _sub(e, "rdeDomain", "upDate", instant(d.updated_at))
    if d.ds_data or d.key_data:
        sec = _sub(e, "rdeDomain", "secDNS")
        if d.max_sig_life:
            _sub(sec, "secDNS", "maxSigLife", str(d.max_sig_life))
        for ds in d.ds_data:  # a registry stores DS; key data is deposited as given
            data = _sub(sec, "secDNS", "dsData")
            for name, value in (("keyTag", ds.key_tag), ("alg", ds.algorithm),
                                ("digestType", ds.digest_type), ("digest", ds.digest)):
                _sub(data, "secDNS", name, str(value))
        if not d.ds_data:
            for key in d.key_data:
                data = _sub(sec, "secDNS", "keyData")
                for name, value in (("flags", key.flags), ("protocol", key.protocol),
                                    ("alg", key.algorithm), ("pubKey", key.public_key)):
                    _sub(data, "secDNS", name, str(value))
    if d.transferred_at:
        _sub(e, "rdeDomain", "trDate", instant(d.transferred_at))
    return e


def host_element(h: EscrowHost) -> etree._Element:
    e = _object("host", "rdeHost")
    _sub(e, "rdeHost", "name", h.name)
    _sub(e, "rdeHost", "roid", h.roid)
    for status in h.statuses:
        _sub(e, "rdeHost", "status", s=status)
    for address in h.addresses:
        _sub(e, "rdeHost", "addr", address, ip="v6" if ":" in address else "v4")
    _sub(e, "rdeHost", "clID", h.sponsor)
    _sub(e, "rdeHost", "crRr", h.creator)
    _sub(e, "rdeHost", "crDate", instant(h.created_at))
    if h.updated_at:
        _sub(e, "rdeHost", "upRr", h.updater or h.sponsor)
        _sub(e, "rdeHost", "upDate", instant(h.updated_at))
    if h.transferred_at:
        _sub(e, "rdeHost", "trDate", instant(h.transferred_at))
    return e


def contact_element(c: EscrowContact) -> etree._Element:
    r = c.record
    e = _object("contact", "rdeContact", "contact")
    _sub(e, "rdeContact", "id", r.handle)
    _sub(e, "rdeContact", "roid", r.roid)
    for status in c.statuses:
        _sub(e, "rdeContact", "status", s=status)
    for postal in r.postal:
        info = _sub(e, "rdeContact", "postalInfo", type=postal.type)
        _sub(info, "contact", "name", postal.name)
        if postal.org:
            _sub(info, "contact", "org", postal.org)
        _address(info, "contact", postal.street, postal.city, postal.sp, postal.pc, postal.cc)
    if r.voice:
        _sub(e, "rdeContact", "voice", r.voice, **({"x": r.voice_ext} if r.voice_ext else {}))
    if r.fax:
        _sub(e, "rdeContact", "fax", r.fax, **({"x": r.fax_ext} if r.fax_ext else {}))
    _sub(e, "rdeContact", "email", r.email)
    _sub(e, "rdeContact", "clID", c.sponsor)
    _sub(e, "rdeContact", "crRr", c.creator)
    _sub(e, "rdeContact", "crDate", instant(r.created_at))
    if r.updated_at:
        _sub(e, "rdeContact", "upRr", c.updater or c.sponsor)
        _sub(e, "rdeContact", "upDate", instant(r.updated_at))
    if c.transferred_at:
        _sub(e, "rdeContact", "trDate", instant(c.transferred_at))
    if r.disclose is not None:
        disclose = _sub(e, "rdeContact", "disclose", flag="1" if r.disclose["flag"] else "0")
        for field in sorted(r.disclose.get("fields", ()), key=_disclose_order):
            name, _, kind = field.partition(":")
            _sub(disclose, "contact", name, **({"type": kind} if kind else {}))
    return e


def idn_table_element(t: EscrowIdnTable) -> etree._Element:
    """A reference to where the table is published (its URLs resolved by the deposit)."""
    e = _object("idnTableRef", "rdeIDN")
    e.set("id", t.tag)
    _sub(e, "rdeIDN", "url", t.url)
    _sub(e, "rdeIDN", "urlPolicy", t.policy_url)
    return e


def reserved_element(r: EscrowReservedName) -> etree._Element:
    e = _object("NNDN", "rdeNNDN")
    _sub(e, "rdeNNDN", "aName", r.name)
    if unicode_name(r.name) != r.name:
        _sub(e, "rdeNNDN", "uName", unicode_name(r.name))
    _sub(e, "rdeNNDN", "nameState", "withheld")
    _sub(e, "rdeNNDN", "crDate", instant(r.created_at))
    return e


def epp_params_element() -> etree._Element:
    """What the EPP server's greeting offers (RFC 9022 section 5.9)."""
    e = _object("eppParams", "rdeEppParams", "epp")
    for version in VERSIONS:
        _sub(e, "rdeEppParams", "version", version)
    for language in LANGUAGES:
        _sub(e, "rdeEppParams", "lang", language)
    for object_uri in OBJECT_URIS:
        _sub(e, "rdeEppParams", "objURI", object_uri)
    if EXTENSION_URIS:
        extensions = _sub(e, "rdeEppParams", "svcExtension")
        for extension in EXTENSION_URIS:
            _sub(extensions, "epp", "extURI", extension)
    data_collection_policy(e, _q("rdeEppParams", "dcp"))
    return e


def registrar_element(r: EscrowRegistrar) -> etree._Element:
    e = _object("registrar", "rdeRegistrar")
    _sub(e, "rdeRegistrar", "id", r.clid)
    _sub(e, "rdeRegistrar", "name", r.name)
    if r.iana_id is not None:
        _sub(e, "rdeRegistrar", "gurid", str(r.iana_id))
    _sub(e, "rdeRegistrar", "status", "ok" if r.status == "ok" else "readonly")
    postal = r.postal or {}
    info = _sub(e, "rdeRegistrar", "postalInfo", type="int")
    _address(info, "rdeRegistrar", tuple(postal.get("street", ())), postal.get("city", ""),
             postal.get("sp"), postal.get("pc"), postal.get("cc", ""))
    if r.voice:
        _sub(e, "rdeRegistrar", "voice", r.voice)
    _sub(e, "rdeRegistrar", "email", r.email or "-")
    if r.url:
        _sub(e, "rdeRegistrar", "url", r.url)
    _sub(e, "rdeRegistrar", "crDate", instant(r.created_at))
    return e


DISCLOSE_ORDER = ("name", "org", "addr", "voice", "fax", "email")  # contact:discloseType


def _disclose_order(field: str) -> tuple[int, str]:
    name, _, kind = field.partition(":")
    return DISCLOSE_ORDER.index(name), kind


def _address(parent, prefix: str, street, city, sp, pc, cc) -> None:
    addr = _sub(parent, prefix, "addr")
    for line in street:
        _sub(addr, prefix, "street", line)
    _sub(addr, prefix, "city", city)
    if sp:
        _sub(addr, prefix, "sp", sp)
    if pc:
        _sub(addr, prefix, "pc", pc)
    _sub(addr, prefix, "cc", cc)


def _deletes(deletes: Deletes) -> etree._Element:
    e = etree.Element(_q("rde", "deletes"))
    for prefix, names, tag in (("rdeDomain", deletes.domains, "name"),
                               ("rdeHost", deletes.hosts, "name"),
                               ("rdeContact", deletes.contacts, "id")):
        names = sorted(names)
        if names:
            delete = _sub(e, prefix, "delete")
            for name in names:
                _sub(delete, prefix, tag, name)
    for tag in sorted(deletes.idn_tables):  # rdeIDN's delete holds one id
        _sub(_sub(e, "rdeIDN", "delete"), "rdeIDN", "id", tag)
    return e


def _object(name: str, prefix: str, *inner: str) -> etree._Element:
    """An object's element declaring the prefixes it uses once (else each element written
    alone in the stream would declare its namespace afresh)."""
    return etree.Element(_q(prefix, name), nsmap={p: NS[p] for p in (prefix, *inner)})


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _text(prefix: str, name: str, text: str) -> etree._Element:
    e = etree.Element(_q(prefix, name))
    e.text = text
    return e


def _sub(parent, prefix: str, name: str, text: str | None = None, **attributes: str
         ) -> etree._Element:
    e = etree.SubElement(parent, _q(prefix, name), attributes)
    if text is not None:
        e.text = text
    return e
