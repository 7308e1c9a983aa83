"""domain-1.0 (RFC 5731) commands, with their secDNS, rgp, fee, launch and idn extensions."""

from __future__ import annotations

from datetime import date

from lxml import etree

from eppd.commands import allocation_token, fee, idn, launch, rgp, secdns
from eppd.commands.elements import auth_info, period, statuses, text, texts
from eppd.commands.parsed import ParseContext, Parsed
from eppd.namespaces import DOMAIN, tag
from registry.errors import (
    CommandUseError,
    ParameterSyntaxError,
    RequiredParameterMissing,
    UnimplementedOption,
)
from registry.flows.claims_check import ClaimsCheck
from registry.flows.domain_check import DomainCheck
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_delete import DomainDelete
from registry.flows.domain_info import DomainInfoQuery
from registry.flows.domain_renew import DomainRenew
from registry.flows.domain_transfer import (
    DomainTransferApprove,
    DomainTransferCancel,
    DomainTransferQuery,
    DomainTransferReject,
    DomainTransferRequest,
)
from registry.flows.domain_update import DomainUpdate
from registry.flows.launch_application import (
    ApplicationDelete,
    ApplicationInfoQuery,
    ApplicationUpdate,
)
from registry.values import Period

NAME = tag(DOMAIN, "name")
_NS = tag(DOMAIN, "ns")
_HOST_OBJ = tag(DOMAIN, "hostObj")
_HOST_ATTR = tag(DOMAIN, "hostAttr")
_REGISTRANT = tag(DOMAIN, "registrant")
_CONTACT = tag(DOMAIN, "contact")
_ADD = tag(DOMAIN, "add")
_REM = tag(DOMAIN, "rem")
_CHG = tag(DOMAIN, "chg")
_CUR_EXP_DATE = tag(DOMAIN, "curExpDate")
_TRANSFERS = {"approve": DomainTransferApprove, "reject": DomainTransferReject,
              "cancel": DomainTransferCancel}


def check(element: etree._Element, extension: etree._Element | None,
          ctx: ParseContext) -> Parsed:
    launch_check = launch.check_type(extension)
    if launch_check is not None and launch_check[0] == "claims":
        return Parsed(ClaimsCheck(texts(element, NAME), launch_check[1]))
    fees = fee.fee_check(extension)
    token = allocation_token.token(extension)
    if fees is None:
        return Parsed(DomainCheck(texts(element, NAME), token=token))
    return Parsed(DomainCheck(texts(element, NAME), fees.queries(), fees.currency, token),
                  fees)


def info(element: etree._Element, extension: etree._Element | None,
         ctx: ParseContext) -> Parsed:
    name = element.find(NAME)
    password, roid = auth_info(element, DOMAIN)
    application, asked = launch.reference(extension, "info")
    if application is not None:
        return Parsed(ApplicationInfoQuery((name.text or "").strip(), application,
                                           password or None))
    return Parsed(DomainInfoQuery((name.text or "").strip(), name.get("hosts", "all"),
                                  password or None, roid,
                                  allocation_token.info_requested(extension), asked))


def create(element: etree._Element, extension: etree._Element | None,
           ctx: ParseContext) -> Parsed:
    dnssec = secdns.create_data(extension)
    password, _ = auth_info(element, DOMAIN)
    return Parsed(DomainCreate(
        name=text(element, NAME),
        period=period(element, DOMAIN) or Period(),
        nameservers=_nameservers(element.find(_NS)),
        registrant=text(element, _REGISTRANT),
        contacts=_contacts(element),
        authinfo=password or "",
        ds_data=dnssec.ds, key_data=dnssec.keys, max_sig_life=dnssec.max_sig_life,
        fee=fee.agreement(extension, "create", ctx.currency),
        launch=launch.create_data(extension),
        idn=idn.create_data(extension),
        token=allocation_token.token(extension)))


def delete(element: etree._Element, extension: etree._Element | None,
           ctx: ParseContext) -> Parsed:
    application, asked = launch.reference(extension, "delete")
    if asked and application is None:
        raise RequiredParameterMissing("a launch delete names the application "
                                       "(launch:applicationID)")
    allocation_token.refuse(extension, "delete")
    if application is not None:
        return Parsed(ApplicationDelete(text(element, NAME), application))
    return Parsed(DomainDelete(text(element, NAME)))


def renew(element: etree._Element, extension: etree._Element | None,
          ctx: ParseContext) -> Parsed:
    allocation_token.refuse(extension, "renew")
    return Parsed(DomainRenew(
        name=text(element, NAME),
        current_expiry=_date(text(element, _CUR_EXP_DATE)),
        period=period(element, DOMAIN) or Period(),
        fee=fee.agreement(extension, "renew", ctx.currency)))


def transfer(element: etree._Element, extension: etree._Element | None,
             ctx: ParseContext, op: str) -> Parsed:
    name = text(element, NAME)
    password, roid = auth_info(element, DOMAIN)
    allocation_token.refuse(extension, "transfer")
    if op == "request":
        return Parsed(DomainTransferRequest(
            name, password or "", roid, period(element, DOMAIN) or Period(),
            fee.agreement(extension, "transfer", ctx.currency)))
    if op == "query":
        return Parsed(DomainTransferQuery(name, password or None, roid))
    return Parsed(_TRANSFERS[op](name))


def update(element: etree._Element, extension: etree._Element | None,
           ctx: ParseContext) -> Parsed:
    application, asked = launch.reference(extension, "update")
    if asked and application is None:
        raise RequiredParameterMissing("a launch update names the application "
                                       "(launch:applicationID)")
    allocation_token.refuse(extension, "update")
    name = text(element, NAME)
    add, rem, chg = element.find(_ADD), element.find(_REM), element.find(_CHG)
    restore = rgp.restore(extension, name, fee.agreement(extension, "update", ctx.currency))
    dnssec = secdns.update_change(extension)
    if restore is not None:
        if _has_changes(add, rem, chg) or dnssec is not None:
            raise CommandUseError("a restore is an update with no other change: send the "
                                  "domain changes in a separate update")
        return Parsed(restore)
    registrant = authinfo = None
    if chg is not None:
        registrant = text(chg, _REGISTRANT)
        authinfo, _ = auth_info(chg, DOMAIN)
    dnssec = dnssec or secdns.DnssecChange()
    change = DomainUpdate(
        name=name,
        add_nameservers=_nameservers(add.find(_NS)) if add is not None else (),
        rem_nameservers=_nameservers(rem.find(_NS)) if rem is not None else (),
        add_contacts=_contacts(add) if add is not None else (),
        rem_contacts=_contacts(rem) if rem is not None else (),
        add_statuses=statuses(add, DOMAIN),
        rem_statuses=statuses(rem, DOMAIN),
        registrant=registrant,
        authinfo=authinfo,
        ds_add=dnssec.add.ds, ds_rem=dnssec.rem.ds,
        key_add=dnssec.add.keys, key_rem=dnssec.rem.keys,
        dnssec_rem_all=dnssec.rem_all, max_sig_life=dnssec.max_sig_life)
    if application is not None:
        return Parsed(ApplicationUpdate(application, change))
    return Parsed(change)


def _nameservers(ns: etree._Element | None) -> tuple[str, ...]:
    if ns is None:
        return ()
    if ns.find(_HOST_ATTR) is not None:
        raise UnimplementedOption("this registry uses host objects: name servers are given "
                                  "as <domain:hostObj>, not <domain:hostAttr>")
    return texts(ns, _HOST_OBJ)


def _contacts(parent: etree._Element) -> tuple[tuple[str, str], ...]:
    return tuple((c.get("type"), (c.text or "").strip()) for c in parent.iterfind(_CONTACT))


def _has_changes(*parts: etree._Element | None) -> bool:
    return any(p is not None and len(p) for p in parts)


def _date(value: str) -> date:
    if len(value) > 10 and value[10] in "Z+-":
        value = value[:10]  # xs:date may carry a zone; an expiry date is a calendar date
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ParameterSyntaxError(f"curExpDate {value!r} is not a date", value=value) from None
