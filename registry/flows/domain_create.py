"""domain:create (RFC 5731 3.2.1): a new registration, billed, with its add grace period; with
an allocation token (RFC 8495) for a reserved name or at the token's price; in a launch
phase that takes applications, an application instead (registry/launch/applications.py)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from .. import billing, history, outbox, tokens
from ..authinfo import check_strength, hash_authinfo
from ..dnssec import check_ds, check_key, check_max_sig_life
from ..domain_parts import new_domain_parts
from ..driver_statements import DriverInsert
from ..errors import ObjectExists, ParameterPolicyError, ParameterRangeError, UnimplementedOption
from ..launch.applications import ApplicationData, file_application, launch_info
from ..launch.create import LaunchCreate
from ..launch.create import check_create as check_launch
from ..launch.create import record as record_launch
from ..models import (
    Contact,
    Domain,
    DomainContact,
    DomainHost,
    DsRecord,
    GracePeriod,
    Host,
    KeyData,
    Tld,
)
from ..periods import add_years
from ..values import Charge, DsData, IdnChoice, KeyDataValue, LaunchInfo, Period
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
from .fees import FeeAgreement, check_agreement, fee_of, price
from .lookup import acting_registrar_id, parse_domain_name, registered_names, reserved_reason
from .variants import registration_table, variant_conflict

_DOMAIN, _GRACE, _CONTACTS, _HOSTS, _DS, _KEYS = (
    DriverInsert(m.__table__)
    for m in (Domain, GracePeriod, DomainContact, DomainHost, DsRecord, KeyData))


@dataclass(frozen=True)
class DomainCreate:
    name: str
    period: Period = Period()
    nameservers: tuple[str, ...] = ()
    registrant: str | None = None
    contacts: tuple[tuple[str, str], ...] = ()  # (type, contact id)
    authinfo: str = ""
    ds_data: tuple[DsData, ...] = ()
    key_data: tuple[KeyDataValue, ...] = ()
    max_sig_life: int | None = None
    fee: FeeAgreement | None = None
    launch: LaunchCreate | None = None  # RFC 8334: the phase's signed mark or claims notice
    idn: IdnChoice | None = None  # idn-1.0: the IDN table chosen, the U-label given
    token: str | None = None  # RFC 8495 allocation token


@dataclass(frozen=True)
class DomainCreated:
    name: str
    created_at: datetime
    expires_at: datetime | None  # None for an application
    charge: Charge
    code: int = 1000
    application: LaunchInfo | None = None  # RFC 8334: an application was filed (1001)


def domain_create(ctx: FlowContext, cmd: DomainCreate) -> DomainCreated:
    name, tld = parse_domain_name(ctx, cmd.name)
    idn_table = registration_table(ctx, tld, name, cmd.idn)
    years = check_period(tld, cmd.period)
    reserved = reserved_reason(ctx, tld, name.label) is not None
    token = tokens.find(ctx, cmd.token) if cmd.token is not None else None
    if token is not None:
        tokens.check(ctx, token, tld, name.label, reserved)
    elif reserved:
        raise ParameterPolicyError(f"{name.name} is reserved", value=cmd.name)
    # A plain read: the unique index, not a gap lock, decides races for the same name.
    if registered_names(ctx, [name.name]):
        raise ObjectExists(f"domain {name.name} already exists", value=cmd.name)
    payer = acting_registrar_id(ctx)
    check_strength(cmd.authinfo, tld.authinfo_min_bits)
    check_data_model(tld, bool(cmd.registrant), (kind for kind, _ in cmd.contacts))
    registrant = contact_for_link(ctx, cmd.registrant) if cmd.registrant else None
    variant_key, conflict = variant_conflict(ctx, tld, name, payer, lock=True,
                                             creates_for=(registrant and registrant.id,))
    if conflict is not None:
        raise ParameterPolicyError(conflict, value=cmd.name)
    contacts = domain_contacts(ctx, cmd.contacts)
    hosts = nameserver_hosts(ctx, cmd.nameservers)
    check_nameserver_count(tld, len(hosts))
    quote = tokens.priced(price(ctx, tld, name.label, "create", years,
                                ctx.policy.currency(ctx.session, payer)), token)
    check_agreement(quote, tld, cmd.fee)
    launch = check_launch(ctx, tld, name, cmd.launch)

    if launch is not None and launch.application:
        if cmd.ds_data or cmd.key_data:
            raise UnimplementedOption("an application carries no DNSSEC data: add it to "
                                      "the domain once allocated")
        if token is not None:
            raise UnimplementedOption("allocation tokens are spent by registrations, not "
                                      "applications")
        filed = file_application(ctx, tld, name.name, payer, years, quote, launch,
                                 ApplicationData(
                                     cmd.registrant, tuple(cmd.contacts),
                                     tuple(h.name for h in hosts),
                                     hash_authinfo(cmd.authinfo) if cmd.authinfo else None))
        return DomainCreated(name.name, ctx.now, None, dataclasses.replace(
            filed.charge, fees=(fee_of(quote, tld),)), 1001,
            launch_info(filed.application))
    domain = register(ctx, tld, name.name, payer, years, quote.amount, NewDomain(
        registrant, contacts, hosts,
        authinfo_hash=hash_authinfo(cmd.authinfo) if cmd.authinfo else None,
        # the same record given twice is one record (as update refuses adding it again)
        ds_records=[ds_row(d) for d in dict.fromkeys(map(check_ds, cmd.ds_data))],
        key_data=[key_row(k) for k in dict.fromkeys(map(check_key, cmd.key_data))],
        max_sig_life=check_max_sig_life(cmd.max_sig_life, tld.max_sig_life_allowed),
        variant_key=variant_key, idn_table=idn_table))
    if token is not None:
        tokens.spend(ctx, token, domain.id)
    if launch is not None:
        record_launch(ctx, tld, domain.id, domain.name, payer, launch)
    # Last: from here to COMMIT, the registrar's other creates queue on its account row.
    account = billing.debit(ctx, payer, quote.amount, "create", domain.name,
                            f"create {domain.name} for {years} year(s)").account
    return DomainCreated(domain.name, domain.created_at, domain.expires_at,
                         Charge((fee_of(quote, tld),), account.balance, account.credit_limit))


@dataclass
class NewDomain:
    """What a new domain links to and holds, checked by its create."""

    registrant: Contact | None
    contacts: list[DomainContact]
    nameservers: list[Host]
    authinfo_hash: str | None
    ds_records: list[DsRecord] = field(default_factory=list)
    key_data: list[KeyData] = field(default_factory=list)
    max_sig_life: int | None = None
    variant_key: str | None = None
    idn_table: str | None = None  # the tag of the IDN table the label is registered under


def register(ctx: FlowContext, tld: Tld, name: str, sponsor_id: int, years: int,
             amount: int, new: NewDomain) -> Domain:
    """Write the new domain ``name`` (its create paid ``amount``, refunded if deleted in
    the add grace period), its history and the DNS change: a create, or the allocation of
    an application."""
    expires = add_years(ctx.now, years)
    domain = _unflushed(
        Domain, name=name, tld_id=tld.id, sponsor_id=sponsor_id, creator_id=sponsor_id,
        created_at=ctx.now, expires_at=expires, next_event_at=expires,  # its only event
        grace_periods=[_unflushed(GracePeriod, kind="add", registrar_id=sponsor_id,
                                  amount=amount, years=years,
                                  ends_at=ctx.now + tld.period("add_grace"))],
        registrant=new.registrant, contacts=new.contacts, nameservers=new.nameservers,
        authinfo_hash=new.authinfo_hash, ds_records=new.ds_records, key_data=new.key_data,
        max_sig_life=new.max_sig_life,
        registrant_id=new.registrant.id if new.registrant else None, statuses=[],
        state="active", variant_key=new.variant_key, idn_table=new.idn_table)
    check_dnssec_mix(tld, domain)
    insert_domain(ctx, domain)
    history.record(ctx, domain, parts=new_domain_parts(domain))
    outbox.publish(ctx, tld.name, domain.name)
    return domain


def _unflushed(model, **values):
    """A new ``model`` object holding ``values`` as its constructor would, without the
    constructor's attribute events and collection adapters (a create's costliest Python):
    it never enters the session; ``insert_domain`` writes it and reads its values back."""
    obj = model.__mapper__.class_manager.new_instance()
    obj.__dict__.update(values)
    return obj


def insert_domain(ctx: FlowContext, domain: Domain) -> None:
    """Write ``domain`` and its rows with plain INSERTs on the DB-API cursor and set its id;
    the object stays out of the session. On a create's hot path the ORM's unit of work, and
    then SQLAlchemy's handling of each statement, cost more than the statements themselves
    (docs/performance.md)."""
    try:
        domain.id = _DOMAIN.run(ctx.session, _values(domain))
    except IntegrityError:  # the unique index decides a race for the same name
        raise ObjectExists(f"domain {domain.name} already exists", value=domain.name) from None
    owned = {"domain_id": domain.id}
    for statement, rows in (
            (_GRACE, [_values(g, **owned) for g in domain.grace_periods]),
            (_CONTACTS, [{**owned, "contact_id": c.contact.id, "type": c.type}
                         for c in domain.contacts]),
            (_HOSTS, [{**owned, "host_id": h.id} for h in domain.nameservers]),
            # in order: their ids order them when read back
            (_DS, [_values(r, **owned) for r in domain.ds_records]),
            (_KEYS, [_values(k, **owned) for k in domain.key_data])):
        if rows:
            statement.add(ctx.session, rows)


def _values(obj, **links) -> dict:
    """The column values set on a new ORM object, plus ``links`` (foreign keys the ORM
    would have filled in at flush); the table's defaults fill the rest."""
    state = obj.__dict__
    return {c.key: state[c.key] for c in obj.__table__.columns if c.key in state} | links


def check_period(tld: Tld, period: Period) -> int:
    years = period.years()
    if years is None or not tld.min_period <= years <= tld.max_period:
        raise ParameterRangeError(
            f"period must be {tld.min_period} to {tld.max_period} years", value=str(period.value))
    return years

