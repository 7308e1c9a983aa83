"""Making a deposit: the XML from one snapshot of the registry, tarred, compressed and
encrypted to the escrow agent's key, signed by the registry's key, and the RDE report.

Files, as Specification 2 names them: ``<tld>_<YYYY-MM-DD>_<full|diff>_S<n>_R<rev>.ryde``
(the encrypted tar of the ``.xml``, in parts when larger than ``[escrow] split_bytes``:
escrow/parts.py), a ``.sig`` for each (its detached signature) and ``..._S1_R<rev>.rep``
(the report for ICANN, rdeReport XML). ``rev`` counts resends of the same day's deposit. A
differential deposit holds what changed since the previous deposit of the TLD, recorded in
``state.json`` beside the deposits.
"""

from __future__ import annotations

import dataclasses
import tarfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from registry import escrow_data
from registry.service import Registry

from . import state as deposit_state
from .config import EscrowSettings
from .deposit_xml import NS, Deletes, Envelope, header_element, instant, write_deposit
from .openpgp import Gpg
from .parts import split

KINDS = {"full": "FULL", "diff": "DIFF"}


class EscrowError(Exception):
    """The deposit cannot be made; one line for the operator."""


@dataclass(frozen=True)
class Deposit:
    name: str            # the files' common stem
    kind: str            # FULL | DIFF
    deposit_id: str
    watermark: datetime
    counts: Counter
    files: tuple[Path, ...]   # each part's .ryde and .sig, in order, then the .rep


def make_deposit(registry: Registry, settings: EscrowSettings, gpg: Gpg, tld: str, kind: str,
                 out_dir: Path, progress: Callable[[Counter], None] = lambda _c: None
                 ) -> Deposit:
    if not settings.agent_key or not settings.signing_key:
        raise EscrowError("[escrow] agent_key and signing_key must name the escrow agent's "
                          "and the registry's OpenPGP keys")
    out_dir.mkdir(parents=True, exist_ok=True)
    previous = deposit_state.load(out_dir).get(tld)
    if kind == "diff" and previous is None:
        raise EscrowError(f"no earlier deposit of .{tld} in {out_dir}: make a full one first")
    watermark = registry.clock.now()
    day = f"{watermark:%Y-%m-%d}"
    stem = f"{tld}_{day}_{kind}"
    rev = sum(1 for _ in out_dir.glob(f"{stem}_S1_R*.ryde"))
    name = f"{stem}_S1_R{rev}"
    envelope = Envelope(tld, KINDS[kind], f"{watermark:%Y%m%d}{kind[0].upper()}{rev}",
                        watermark, previous["id"] if kind == "diff" else None, rev)
    suffix = registry.settings.roid_suffix
    since = datetime.fromisoformat(previous["watermark"]) if kind == "diff" else None
    xml_path = out_dir / f".{name}.xml.part"

    tags: list[str] = []  # the IDN tables deposited: state.json keeps them for deletes

    def read(session) -> Counter:
        tags.clear()
        if not escrow_data.tld_exists(session, tld):
            raise EscrowError(f"TLD {tld} does not exist")
        registrars = escrow_data.registrars(session)
        missing = [r.clid for r in registrars if not (r.postal and r.postal.get("cc"))]
        if missing:
            raise EscrowError(
                f"registrar(s) {', '.join(missing)} have no address, which a deposit must "
                "carry: pyrar registrar set CLID --city CITY --cc CC [--street ...]")
        tables = idn_tables(settings, tld, escrow_data.idn_tables(session, tld))
        tags.extend(t.tag for t in tables)
        changes = (escrow_data.changes_since(session, tld, since, watermark)
                   if since else None)
        with open(xml_path, "wb") as out:  # afresh if the read is tried again
            return write_deposit(
                out, envelope,
                domains=escrow_data.domains(session, tld, watermark, suffix,
                                            changes and changes.domains),
                hosts=escrow_data.hosts(session, tld, suffix, changes and changes.hosts),
                contacts=escrow_data.contacts(session, tld, suffix,
                                              changes and changes.contacts),
                registrars=registrars,
                reserved=escrow_data.reserved_names(session, tld, since, watermark),
                idn_tables=tables,
                deletes=Deletes(changes.deleted_domains, changes.deleted_hosts,
                                changes.deleted_contacts,
                                set(previous.get("idn", ())) - set(tags))
                if changes else Deletes(),
                progress=progress)

    whole = out_dir / f".{name}.ryde.part"
    try:
        counts = registry.read(read, snapshot=True, seconds=settings.read_seconds)
        gpg.encrypt_stream(settings.agent_key, whole,
                           lambda stdin: _tar(stdin, xml_path, f"{name}.xml"))
        # every part is whole before the first signature: an upload waits for a signature
        parts = split(whole, out_dir, stem, rev, settings.split_bytes)
        files = []
        for part in parts:
            gpg.sign_detached(settings.signing_key, part, part.with_suffix(".sig"))
            files += [part, part.with_suffix(".sig")]
    finally:
        xml_path.unlink(missing_ok=True)
        whole.unlink(missing_ok=True)
    rep = out_dir / f"{name}.rep"
    rep.write_bytes(report(envelope, counts))
    deposit_state.update(out_dir, lambda state: state.update({tld: {
        "id": envelope.deposit_id, "watermark": watermark.isoformat(), "kind": envelope.kind,
        "idn": sorted(tags)}}))
    return Deposit(name, envelope.kind, envelope.deposit_id, watermark, counts,
                   (*files, rep))


def idn_tables(settings: EscrowSettings, tld: str,
               tables: list[escrow_data.EscrowIdnTable]) -> list[escrow_data.EscrowIdnTable]:
    """The TLD's IDN tables with their URLs: their own, else derived from the settings'
    templates; EscrowError naming the tables that have neither. Every deposit, full or
    differential, carries all of them (a few objects): an URL changed needs no history."""
    resolved, missing = [], []
    for t in tables:
        fields = {"tld": tld, "tag": t.tag, "version": t.version}
        url = t.url or settings.idn_table_url.format(**fields)
        policy = t.policy_url or settings.idn_policy_url.format(**fields)
        if not (url and policy):
            missing.append(t.tag)
        resolved.append(dataclasses.replace(t, url=url, policy_url=policy))
    if missing:
        raise EscrowError(
            f"IDN table(s) {', '.join(missing)} of .{tld} have no published URL and policy "
            f"URL, which a deposit must carry (rdeIDN): pyrar tld idn-table set {tld} TAG "
            "--url URL --policy-url URL, or [escrow] idn_table_url and idn_policy_url")
    return resolved


def last_watermark(out_dir: Path, tld: str) -> datetime | None:
    entry = deposit_state.load(out_dir).get(tld)
    return datetime.fromisoformat(entry["watermark"]) if entry else None


def report(envelope: Envelope, counts: Counter) -> bytes:
    """The RDE report (rde-report.xsd) ICANN receives for each deposit."""
    ns = "urn:ietf:params:xml:ns:rdeReport-1.0"
    root = etree.Element(f"{{{ns}}}report", nsmap={"rdeReport": ns, "rde": NS["rde"]})
    for tag, text in (("id", envelope.deposit_id), ("version", "1"),
                      ("rydeSpecEscrow", "RFC8909"), ("rydeSpecMapping", "RFC9022"),
                      ("resend", str(envelope.resend)), ("crDate", instant(envelope.watermark)),
                      ("kind", envelope.kind), ("watermark", instant(envelope.watermark))):
        etree.SubElement(root, f"{{{ns}}}{tag}").text = text
    root.append(header_element(envelope.tld, counts))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _tar(stream: BinaryIO, path: Path, name: str) -> None:
    with tarfile.open(fileobj=stream, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        tar.add(path, arcname=name)
