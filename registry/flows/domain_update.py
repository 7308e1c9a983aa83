"""domain:update (RFC 5731 3.2.5) with secDNS-1.1 add/rem/remAll/chg (RFC 5910 3.2.5)."""

from __future__ import annotations

from dataclasses import dataclass

from .. import history, outbox
from ..authinfo import check_strength, hash_authinfo
from ..dnssec import check_ds, check_key, check_max_sig_life
from ..errors import ParameterPolicyError, StatusProhibitsOperation
from ..models import Domain, Tld
from ..values import DsData, KeyDataValue
from .bundle_registrant import carry_registrant, registrant_followers
from .context import FlowContext
from .domain_data import (
    check_data_model,
    check_dnssec_mix,
    check_nameserver_count,
    contact_for_link,
    domain_contacts,
    ds_row,
    key_row,
    nameserver_hosts,
)
from .lookup import get_domain, refuse_pending_delete, refuse_statuses, require_sponsor
from .pending import refuse_pending_transfer
from .statuses import change_statuses


@dataclass(frozen=True)
class DomainUpdate:
    name: str
    add_nameservers: tuple[str, ...] = ()
    rem_nameservers: tuple[str, ...] = ()
    add_contacts: tuple[tuple[str, str], ...] = ()
    rem_contacts: tuple[tuple[str, str], ...] = ()
    add_statuses: tuple[str, ...] = ()
    rem_statuses: tuple[str, ...] = ()
    registrant: str | None = None  # a contact id; "" removes the registrant
    authinfo: str | None = None  # "" unsets it (RFC 9154)
    ds_add: tuple[DsData, ...] = ()
    ds_rem: tuple[DsData, ...] = ()
    key_add: tuple[KeyDataValue, ...] = ()
    key_rem: tuple[KeyDataValue, ...] = ()
    dnssec_rem_all: bool = False
    max_sig_life: int | None = None

    @property
    def only_statuses(self) -> bool:
        return not any((self.add_nameservers, self.rem_nameservers, self.add_contacts,
                        self.rem_contacts, self.registrant is not None,
                        self.authinfo is not None, self.ds_add, self.ds_rem, self.key_add,
                        self.key_rem, self.dnssec_rem_all, self.max_sig_life is not None))


@dataclass(frozen=True)
class DomainUpdated:
    name: str
    code: int = 1000


def domain_update(ctx: FlowContext, cmd: DomainUpdate) -> DomainUpdated:
    domain = get_domain(ctx, cmd.name)
    what = f"domain {domain.name}"
    require_sponsor(ctx, domain, what)
    refuse_pending_delete(domain)
    refuse_pending_transfer(ctx, "domain", domain)
    _check_update_allowed(ctx, domain, cmd)
    tld = ctx.tld_of(domain)

    registrant_before = domain.registrant_id
    domain.statuses = change_statuses(ctx, what, domain.statuses, cmd.add_statuses,
                                      cmd.rem_statuses)
    _change_nameservers(ctx, domain, cmd)
    _change_contacts(ctx, domain, cmd)
    followers = [] if cmd.registrant is None else \
        registrant_followers(ctx, domain, registrant_before, domain.registrant)
    if cmd.authinfo is not None:
        check_strength(cmd.authinfo, tld.authinfo_min_bits)
        domain.authinfo_hash = hash_authinfo(cmd.authinfo) if cmd.authinfo else None
    _change_dnssec(domain, cmd, tld)
    check_dnssec_mix(tld, domain)
    if tld.data_model == "minimum":  # what the update adds; older data may stay or go
        check_data_model(tld, bool(cmd.registrant), (kind for kind, _ in cmd.add_contacts))
    else:
        check_data_model(tld, domain.registrant is not None,
                         (c.type for c in domain.contacts))

    domain.updated_at, domain.updater_id = ctx.now, ctx.actor.registrar_id
    history.record(ctx, domain)
    outbox.publish(ctx, tld.name, domain.name)
    carry_registrant(ctx, domain, followers)  # a variant bundle keeps one registrant
    return DomainUpdated(domain.name)


def _check_update_allowed(ctx: FlowContext, domain: Domain, cmd: DomainUpdate) -> None:
    """RFC 5731: under clientUpdateProhibited the one update allowed is removing it."""
    statuses = set(domain.statuses)
    if "serverUpdateProhibited" in statuses and not ctx.actor.is_privileged:
        refuse_statuses(statuses, ("serverUpdateProhibited",), f"domain {domain.name}",
                        "update")
    if "clientUpdateProhibited" in statuses and not (
            "clientUpdateProhibited" in cmd.rem_statuses and cmd.only_statuses):
        raise StatusProhibitsOperation(
            f"domain {domain.name} has status clientUpdateProhibited: the only update allowed "
            "is removing it")


def _change_nameservers(ctx: FlowContext, domain: Domain, cmd: DomainUpdate) -> None:
    current = {h.name: h for h in domain.nameservers}
    removed = nameserver_hosts(ctx, cmd.rem_nameservers)
    added = nameserver_hosts(ctx, cmd.add_nameservers)
    for host in removed:
        if host.name not in current:
            raise ParameterPolicyError(f"{host.name} is not a name server of {domain.name}",
                                       value=host.name)
        del current[host.name]
    for host in added:
        if host.name in current:
            raise ParameterPolicyError(f"{host.name} is already a name server of {domain.name}",
                                       value=host.name)
        current[host.name] = host
    if added or removed:
        check_nameserver_count(ctx.tld_of(domain), len(current))
        domain.nameservers = sorted(current.values(), key=lambda h: h.name)


def _change_contacts(ctx: FlowContext, domain: Domain, cmd: DomainUpdate) -> None:
    current = {(c.type, c.contact.handle): c for c in domain.contacts}
    for key in dict.fromkeys(cmd.rem_contacts):
        if key not in current:
            raise ParameterPolicyError(f"{key[1]} is not the {key[0]} contact of {domain.name}",
                                       value=key[1])
        domain.contacts.remove(current.pop(key))
    for link in domain_contacts(ctx, cmd.add_contacts):
        key = (link.type, link.contact.handle)
        if key in current:
            raise ParameterPolicyError(
                f"{key[1]} is already the {key[0]} contact of {domain.name}", value=key[1])
        current[key] = link
        domain.contacts.append(link)
    if cmd.registrant is not None:
        domain.registrant = contact_for_link(ctx, cmd.registrant) if cmd.registrant else None


def _change_dnssec(domain: Domain, cmd: DomainUpdate, tld: Tld) -> None:
    """RFC 5910 3.2.5: removals (or remAll) first, then additions; then maxSigLife."""
    if cmd.dnssec_rem_all:
        domain.ds_records.clear()
        domain.key_data.clear()
    for ds in map(check_ds, cmd.ds_rem):
        row = _find_ds(domain, ds)
        if row is None:
            raise ParameterPolicyError(f"DS {ds.key_tag} {ds.algorithm} {ds.digest_type} is not "
                                       f"on {domain.name}")
        domain.ds_records.remove(row)
    for key in map(check_key, cmd.key_rem):
        row = _find_key(domain, key)
        if row is None:
            raise ParameterPolicyError(f"that DNSKEY is not on {domain.name}")
        domain.key_data.remove(row)
    for ds in map(check_ds, cmd.ds_add):
        if _find_ds(domain, ds) is not None:
            raise ParameterPolicyError(f"DS {ds.key_tag} is already on {domain.name}")
        domain.ds_records.append(ds_row(ds))
    for key in map(check_key, cmd.key_add):
        if _find_key(domain, key) is not None:
            raise ParameterPolicyError(f"that DNSKEY is already on {domain.name}")
        domain.key_data.append(key_row(key))
    if cmd.max_sig_life is not None:
        domain.max_sig_life = check_max_sig_life(cmd.max_sig_life,
                                                 tld.max_sig_life_allowed)


def _find_ds(domain: Domain, ds: DsData):
    return next((r for r in domain.ds_records
                 if (r.key_tag, r.algorithm, r.digest_type, r.digest)
                 == (ds.key_tag, ds.algorithm, ds.digest_type, ds.digest)), None)


def _find_key(domain: Domain, key: KeyDataValue):
    return next((r for r in domain.key_data
                 if (r.flags, r.protocol, r.algorithm, r.public_key)
                 == (key.flags, key.protocol, key.algorithm, key.public_key)), None)
