"""Checks on a domain's associations shared by create and update: contacts, hosts, DNSSEC."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ..errors import (
    AuthorizationError,
    ObjectDoesNotExist,
    ParameterPolicyError,
    ParameterSyntaxError,
    RequiredParameterMissing,
    quoted,
)
from ..models import Contact, Domain, DomainContact, DsRecord, Host, KeyData, Tld
from ..names import normalize_host_name
from ..values import DsData, KeyDataValue
from .context import FlowContext

CONTACT_TYPES = ("admin", "billing", "tech")


def contact_for_link(ctx: FlowContext, handle: str) -> Contact:
    """A contact the acting registrar may attach to a domain: it must exist and be its own."""
    contact = ctx.session.scalars(select(Contact).where(Contact.handle == handle)).first()
    if contact is None:
        raise ObjectDoesNotExist(f"contact {handle} does not exist", value=handle)
    if not ctx.actor.may_act_on(contact.sponsor_id):
        raise AuthorizationError(f"contact {handle} is sponsored by another registrar",
                                 value=handle)
    return contact


def domain_contacts(ctx: FlowContext, pairs: Iterable[tuple[str, str]]) -> list[DomainContact]:
    links = []
    for kind, handle in dict.fromkeys(pairs):
        if not kind:
            raise RequiredParameterMissing("a domain contact needs a type: admin, billing or "
                                           "tech", value=handle)
        if kind not in CONTACT_TYPES:
            raise ParameterSyntaxError(
                f"contact type {quoted(kind)} is not admin, billing or tech", value=kind)
        links.append(DomainContact(type=kind, contact=contact_for_link(ctx, handle)))
    return links


def check_data_model(tld: Tld, registrant: bool, types: Iterable[str]) -> None:
    """A thick TLD wants a registrant, an admin and a tech contact (2003); a minimum one
    takes none (2306, RST epp-14); an optional one takes what it is given."""
    present = set(types)  # once: callers pass generators
    if tld.data_model == "minimum":
        given = (["registrant"] if registrant else []) + sorted(present)
        if given:
            raise ParameterPolicyError(
                f".{tld.name} keeps the minimum data set: no registrant or contacts "
                f"({', '.join(given)} given)")
    elif tld.data_model == "thick":
        missing = [] if registrant else ["registrant"]
        missing += [t for t in ("admin", "tech") if t not in present]
        if missing:
            raise RequiredParameterMissing(f".{tld.name} requires {', '.join(missing)}")


def nameserver_hosts(ctx: FlowContext, names: Iterable[str]) -> list[Host]:
    wanted = list(dict.fromkeys(normalize_host_name(n) for n in names))
    if not wanted:
        return []
    found = {h.name: h for h in ctx.session.scalars(select(Host).where(Host.name.in_(wanted)))}
    missing = [n for n in wanted if n not in found]
    if missing:
        raise ObjectDoesNotExist(f"host {missing[0]} does not exist", value=missing[0])
    return [found[n] for n in wanted]


def check_nameserver_count(tld: Tld, count: int) -> None:
    if count > tld.max_nameservers:
        raise ParameterPolicyError(
            f".{tld.name} allows at most {tld.max_nameservers} name servers, not {count}")


def check_dnssec_mix(tld: Tld, domain: Domain) -> None:
    """RFC 5910 4: one interface per domain; and a policy cap on how many records."""
    ds = list(domain.ds_records)
    keys = list(domain.key_data)
    if ds and keys:
        raise ParameterPolicyError("use either dsData or keyData for a domain, not both")
    if max(len(ds), len(keys)) > tld.max_dnssec_records:
        raise ParameterPolicyError(
            f".{tld.name} allows at most {tld.max_dnssec_records} DNSSEC records")


def ds_row(ds: DsData) -> DsRecord:
    return DsRecord(key_tag=ds.key_tag, algorithm=ds.algorithm, digest_type=ds.digest_type,
                    digest=ds.digest)


def key_row(key: KeyDataValue) -> KeyData:
    return KeyData(flags=key.flags, protocol=key.protocol, algorithm=key.algorithm,
                   public_key=key.public_key)
