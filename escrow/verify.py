"""What an escrow agent does with a deposit: check the signature, decrypt and decompress,
validate the XML against the RDE schemas, compare the header's counts with the contents and
check that every host, contact, registrar and IDN table a full deposit's objects refer to
is in it.

The document is read as a stream: each object is validated on its own against the schema's
global element for it and dropped. What stays is the reference check's names of the hosts,
contacts and registrars deposited and referred to (582 MiB at a million domains).
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from .deposit_xml import NS, OBJECTS
from .openpgp import Gpg, OpenPgpError

# the EPP namespaces the RDE schemas import, and their files in an EPP XSD folder
EPP_FILES = {"urn:ietf:params:xml:ns:eppcom-1.0": "eppcom-1.0.xsd",
             "urn:ietf:params:xml:ns:epp-1.0": "epp-1.0.xsd",
             "urn:ietf:params:xml:ns:domain-1.0": "domain-1.0.xsd",
             "urn:ietf:params:xml:ns:host-1.0": "host-1.0.xsd",
             "urn:ietf:params:xml:ns:contact-1.0": "contact-1.0.xsd",
             "urn:ietf:params:xml:ns:secDNS-1.1": "secDNS-1.1.xsd",
             "urn:ietf:params:xml:ns:rgp-1.0": "rgp-1.0.xsd"}
RDE_FILES = ("rde.xsd", "rde-header.xsd", "rde-domain.xsd", "rde-host.xsd", "rde-contact.xsd",
             "rde-registrar.xsd", "rde-idn.xsd", "rde-nndn.xsd", "rde-eppparams.xsd",
             "rde-policy.xsd", "rde-report.xsd")
XS = "http://www.w3.org/2001/XMLSchema"
# what a full deposit's objects refer to, which it must hold
REFERRED = ("host", "contact", "registrar", "IDN table")


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.problems


def rde_schema(rde_xsd: Path, epp_xsd: Path) -> etree.XMLSchema:
    """One wrapper importing every namespace with an explicit location: the RDE schemas'
    own imports name files that are not beside them, and are then already satisfied."""
    imports = [(ns, epp_xsd / name) for ns, name in EPP_FILES.items()]
    for name in RDE_FILES:
        target = etree.parse(str(rde_xsd / name)).getroot().get("targetNamespace")
        imports.append((target, rde_xsd / name))
    text = "".join(f'<import namespace="{ns}" schemaLocation="{path.as_uri()}"/>'
                   for ns, path in imports)
    with tempfile.NamedTemporaryFile("w", suffix=".xsd", delete=False) as wrapper:
        wrapper.write(f'<schema xmlns="{XS}">{text}</schema>')
    try:
        return etree.XMLSchema(etree.parse(wrapper.name))
    finally:
        Path(wrapper.name).unlink()


def verify_files(parts: Sequence[tuple[Path, Path]], gpg: Gpg, schema: etree.XMLSchema,
                 progress: Callable[[Counter], None] = lambda _c: None) -> Verdict:
    """A deposit given as its processed files in order, each ``(ryde, signature)``: every
    signature checked, the parts joined, decrypted and the document verified."""
    verdict = Verdict()
    for ryde, signature in parts:
        try:
            gpg.verify_detached(signature, ryde)
        except OpenPgpError as e:
            verdict.problems.append(f"signature: {e}" if len(parts) == 1
                                    else f"signature of {ryde.name}: {e}")
    if verdict.problems:
        return verdict
    with tempfile.TemporaryDirectory() as work:
        tar_path = Path(work) / "deposit.tar"
        encrypted = parts[0][0]
        if len(parts) > 1:
            encrypted = Path(work) / "deposit.ryde"
            with encrypted.open("wb") as joined:
                for ryde, _ in parts:
                    with ryde.open("rb") as part:
                        shutil.copyfileobj(part, joined, 1 << 20)
        try:
            gpg.decrypt(encrypted, tar_path)
        except OpenPgpError as e:
            verdict.problems.append(f"decryption: {e}")
            return verdict
        if len(parts) > 1:  # the tar is what is read now: the joined copy's room back
            encrypted.unlink()
        with tarfile.open(tar_path) as tar:
            members = [m for m in tar.getmembers() if m.isfile()]
            if len(members) != 1 or not members[0].name.endswith(".xml"):
                verdict.problems.append("the tar must hold exactly one .xml file")
                return verdict
            stream = tar.extractfile(members[0])
            return verify_xml(stream, schema, verdict, progress)


def verify_xml(stream, schema: etree.XMLSchema, verdict: Verdict | None = None,
               progress: Callable[[Counter], None] = lambda _c: None) -> Verdict:
    verdict = verdict or Verdict()
    objects = {f"{{{NS[p]}}}{t}": NS[p] for p, t in (
        ("rdeDomain", "domain"), ("rdeHost", "host"), ("rdeContact", "contact"),
        ("rdeRegistrar", "registrar"), ("rdeIDN", "idnTableRef"), ("rdeNNDN", "NNDN"),
        ("rdeEppParams", "eppParams"))}
    header_tag = f"{{{NS['rdeHeader']}}}header"
    contents, deletes = f"{{{NS['rde']}}}contents", f"{{{NS['rde']}}}deletes"
    seen: dict[str, set[str]] = {k: set() for k in REFERRED}
    wanted: dict[str, set[str]] = {k: set() for k in REFERRED}
    header: dict[str, int] | None = None
    kind = None
    try:
        for event, element in etree.iterparse(stream, events=("start", "end"),
                                              resolve_entities=False, no_network=True,
                                              huge_tree=True):
            if event == "start":
                if kind is None:
                    kind = element.get("type")
                continue
            parent = element.getparent()
            if element.tag in objects and parent is not None and parent.tag == contents:
                _validate(schema, element, verdict)
                verdict.counts[objects[element.tag]] += 1
                if sum(verdict.counts.values()) % 10_000 == 0:
                    progress(verdict.counts)
                _references(element, seen, wanted)
            elif element.tag == header_tag:
                _validate(schema, element, verdict)
                header = {c.get("uri"): int(c.text) for c in element
                          if etree.QName(c).localname == "count"}
            elif (parent is not None and parent.tag == contents) or element.tag == deletes:
                if element.tag == deletes:  # each kind's delete is a global element
                    for delete in element:
                        _validate(schema, delete, verdict)
                else:
                    verdict.problems.append(f"unexpected content {element.tag}")
            else:
                continue
            element.clear()
            while element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as e:
        verdict.problems.append(f"XML: {e}")
        return verdict
    if header is None:
        verdict.problems.append("no rdeHeader:header")
    else:
        for prefix in OBJECTS:
            uri = NS[prefix]
            if header.get(uri, 0) != verdict.counts[uri]:
                verdict.problems.append(f"header counts {header.get(uri, 0)} {prefix} "
                                        f"objects, the deposit holds {verdict.counts[uri]}")
    if kind == "FULL":
        if verdict.counts[NS["rdeEppParams"]] != 1:
            verdict.problems.append(f"a full deposit holds one rdeEppParams object, not "
                                    f"{verdict.counts[NS['rdeEppParams']]}")
        for what in REFERRED:
            for name in sorted(wanted[what] - seen[what])[:20]:
                verdict.problems.append(f"{what} {name} is referred to but not deposited")
    return verdict


def _validate(schema: etree.XMLSchema, element, verdict: Verdict) -> None:
    if not schema.validate(element):
        error = schema.error_log.last_error
        name = element.findtext("{*}name") or element.findtext("{*}id") or ""
        verdict.problems.append(f"{etree.QName(element).localname} {name}: {error.message}")


def _references(element, seen: dict[str, set[str]], wanted: dict[str, set[str]]) -> None:
    local = etree.QName(element).localname
    if local in ("NNDN", "eppParams"):
        return
    if local == "idnTableRef":
        seen["IDN table"].add(element.get("id"))
        return
    if local == "host":
        seen["host"].add(element.findtext("{*}name"))
    elif local == "contact":
        seen["contact"].add(element.findtext("{*}id"))
    elif local == "registrar":
        seen["registrar"].add(element.findtext("{*}id"))
        return
    elif local == "domain":
        for child in element:
            tag = etree.QName(child).localname
            if tag in ("registrant", "contact"):
                wanted["contact"].add(child.text)
            elif tag == "ns":
                wanted["host"].update(h.text for h in child)
            elif tag == "idnTableId":
                wanted["IDN table"].add(child.text)
    wanted["registrar"].add(element.findtext("{*}clID"))
