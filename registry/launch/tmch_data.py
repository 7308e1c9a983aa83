"""Imports of the TMCH's data (RFC 9361 formats) and the LORDN files the registry uploads:
the CA certificate, its CRL, the SMD revocation list, the DNL; LORDN for sunrise and claims.
Each import replaces what was there, in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from ..errors import ParameterSyntaxError
from ..flows.context import FlowContext
from ..models import DnlEntry, LordnEntry, Registrar, RevokedSmd, Tld, TmchFile
from . import smd

# RFC 9361 6.3.1: a registrar without an IANA id (the registry itself) is reported as 9999.
NO_IANA_ID = 9999


def import_ca(ctx: FlowContext, pem: str) -> None:
    smd.load_ca(pem)
    _store(ctx, "ca", pem)


def import_crl(ctx: FlowContext, pem: str) -> None:
    crl = smd.load_crl(pem)
    ca = ctx.session.get(TmchFile, "ca")
    if ca is not None and not crl.is_signature_valid(smd.load_ca(ca.content).public_key()):
        raise ParameterSyntaxError("the CRL is not signed by the TMCH CA imported")
    _store(ctx, "crl", pem)


def _store(ctx: FlowContext, kind: str, pem: str) -> None:
    row = ctx.session.get(TmchFile, kind)
    if row is None:
        ctx.session.add(TmchFile(kind=kind, content=pem, loaded_at=ctx.now))
    else:
        row.content, row.loaded_at = pem, ctx.now


def import_smdrl(ctx: FlowContext, text: str) -> int:
    """``1,<created>`` / ``smd-id,insertion-datetime`` / rows; returns how many."""
    rows = _csv(text, ["smd-id", "insertion-datetime"], "SMD revocation list")
    ctx.session.execute(delete(RevokedSmd))
    ctx.session.add_all(RevokedSmd(smd_id=r[0], revoked_at=_when(r[1], "SMDRL")) for r in rows)
    return len(rows)


def import_dnl(ctx: FlowContext, text: str) -> int:
    """``1,<created>`` / ``DNL,lookup-key,insertion-datetime`` / rows; returns how many."""
    rows = _csv(text, ["DNL", "lookup-key", "insertion-datetime"], "DNL")
    ctx.session.execute(delete(DnlEntry))
    ctx.session.add_all(DnlEntry(label=r[0].lower(), lookup_key=r[1],
                                 inserted_at=_when(r[2], "DNL")) for r in rows)
    return len(rows)


def _csv(text: str, header: list[str], what: str) -> list[list[str]]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) < 2 or not lines[0].startswith("1,") or \
            [c.strip() for c in lines[1].split(",")] != header:
        raise ParameterSyntaxError(f"the {what} must start with a '1,<date>' line and the "
                                   f"header {','.join(header)}")
    rows = [[c.strip() for c in line.split(",")] for line in lines[2:]]
    for number, row in enumerate(rows, start=3):
        if len(row) != len(header) or not row[0]:
            raise ParameterSyntaxError(f"{what} line {number}: {len(header)} fields expected")
    return rows


def _when(text: str, what: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ParameterSyntaxError(f"{what}: {text!r} is not a date and time") from None


def lordn(ctx: FlowContext, tld: Tld, kind: str, roid_suffix: str) -> str:
    """The LORDN file of ``kind`` (sunrise or claims) with every entry not sent yet; the
    entries count as sent once the transaction commits."""
    entries = ctx.session.scalars(select(LordnEntry).where(
        LordnEntry.tld_id == tld.id, LordnEntry.kind == kind,
        LordnEntry.sent_at.is_(None)).order_by(LordnEntry.id)).all()
    iana = dict(ctx.session.execute(select(Registrar.id, Registrar.iana_id)).all())
    header = ("roid,domain-name,SMD-id,registrar-id,registration-datetime,"
              "application-datetime" if kind == "sunrise" else
              "roid,domain-name,notice-id,registrar-id,registration-datetime,ack-datetime,"
              "application-datetime")
    lines = [f"1,{_stamp(ctx.now)},{len(entries)}", header]
    for e in entries:
        fields = [f"D{e.domain_id}-{roid_suffix}", e.domain_name, e.mark_ref,
                  str(iana.get(e.registrar_id) or NO_IANA_ID), _stamp(e.registered_at)]
        if kind == "claims":
            fields.append(_stamp(e.accepted_at))
        lines.append(",".join([*fields, _stamp(e.applied_at) if e.applied_at else ""]))
        e.sent_at = ctx.now
    return "\n".join(lines) + "\n"


def _stamp(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 100000}Z"
