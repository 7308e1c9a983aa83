"""The EPP client of one registry: typed commands over a pool of logged-in sessions.

Every method raises CommandFailed for a result code of 2000 or more, OutcomeUnknown for a
transform whose answer was lost (see ``settle()``), NotSent when no session could be had."""

from __future__ import annotations

import ssl
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from eppclient import contact, domain, fee, host, rgp, secdns
from eppclient.commands import Command
from eppclient.config import RegistryConfig
from eppclient.domain import NO_CHANGES, DomainChanges
from eppclient.errors import CommandFailed
from eppclient.greeting import Greeting
from eppclient.namespaces import CONTACT, DOMAIN, FEE, HOST, RGP, SECDNS
from eppclient.pool import Pool
from eppclient.responses import Availability, Response, parse_check


class EppClient:
    def __init__(self, config: RegistryConfig, context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self.clid = config.clid
        self.pool = Pool(config, context)

    async def start(self) -> None:
        await self.pool.start()

    async def close(self) -> None:
        await self.pool.close()

    async def __aenter__(self) -> EppClient:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def greeting(self) -> Greeting:
        return self.pool.greeting

    def offers(self, uri: str) -> bool:
        return self.greeting.offers(uri)

    async def execute(self, command: Command) -> Response:
        response = await self.pool.execute(command)
        if not response.ok:
            raise CommandFailed(response)
        return response

    # domains

    async def domain_check(self, *names: str,
                           fees: tuple[fee.FeeQuery, ...] = ()) -> list[Availability]:
        extensions = [fee.check_extension(fees, self.config.currency)] if fees else []
        if fees:
            self._require(FEE, "fee-1.0")
        response = await self.execute(domain.check(self.clid, names, extensions))
        prices = fee.parse_check(response.extension(FEE, "chkData"))
        return [Availability(a.name, a.available, a.reason, prices.get(a.name.lower()))
                for a in parse_check(response, DOMAIN, "name")]

    async def domain_info(self, name: str, auth_info: str | None = None,
                          hosts: str = "all") -> domain.DomainInfo:
        response = await self.execute(domain.info(self.clid, name, auth_info, hosts))
        dns = secdns.parse_info(response.extension(SECDNS, "infData"))
        return replace(domain.parse_info(response), ds=dns.ds, max_sig_life=dns.max_sig_life,
                       rgp_statuses=rgp.parse_statuses(response.extension(RGP, "infData")))

    async def domain_create(self, name: str, *, auth_info: str, years: int = 1,
                            ns: tuple[str, ...] = (), registrant: str | None = None,
                            contacts: tuple[tuple[str, str], ...] = (),
                            ds: tuple[secdns.DsData, ...] = (),
                            max_sig_life: int | None = None,
                            price: Decimal | None = None) -> domain.DomainCreated:
        """``price``: the fee-1.0 amount we agree to (required by registries for premium
        names)."""
        extensions = self._agree("create", price)
        if ds or max_sig_life is not None:
            self._require(SECDNS, "secDNS-1.1")
            extensions.append(secdns.create_extension(ds, max_sig_life))
        response = await self.execute(domain.create(
            self.clid, name, years=years, auth_info=auth_info, ns=ns, registrant=registrant,
            contacts=contacts, extensions=extensions))
        return domain.parse_created(response, fee.parse_charge(response.extension(FEE,
                                                                                  "creData")))

    async def domain_renew(self, name: str, current_expiry: date | datetime, years: int = 1,
                           price: Decimal | None = None) -> domain.DomainRenewed:
        response = await self.execute(domain.renew(self.clid, name, current_expiry, years,
                                                   self._agree("renew", price)))
        return domain.parse_renewed(response, fee.parse_charge(response.extension(FEE,
                                                                                  "renData")))

    async def domain_transfer(self, op: str, name: str, auth_info: str | None = None,
                              years: int | None = None,
                              price: Decimal | None = None) -> domain.TransferStatus | None:
        """request, query, approve, reject or cancel; the transfer's state afterwards."""
        extensions = self._agree("transfer", price) if op == "request" else []
        response = await self.execute(domain.transfer(self.clid, op, name, auth_info, years,
                                                      extensions))
        return domain.parse_transfer(response,
                                     fee.parse_charge(response.extension(FEE, "trnData")))

    async def domain_update(self, name: str, *, add: DomainChanges = NO_CHANGES,
                            rem: DomainChanges = NO_CHANGES,
                            registrant: str | None = None, auth_info: str | None = None,
                            ds_add: tuple[secdns.DsData, ...] = (),
                            ds_rem: tuple[secdns.DsData, ...] = (),
                            ds_remove_all: bool = False,
                            max_sig_life: int | None = None) -> Response:
        extensions = []
        if ds_add or ds_rem or ds_remove_all or max_sig_life is not None:
            self._require(SECDNS, "secDNS-1.1")
            extensions.append(secdns.update_extension(ds_add, ds_rem, remove_all=ds_remove_all,
                                                      max_sig_life=max_sig_life))
        return await self.execute(domain.update(
            self.clid, name, add=add, rem=rem, registrant=registrant, auth_info=auth_info,
            extensions=extensions))

    async def domain_delete(self, name: str) -> Response:
        return await self.execute(domain.delete(self.clid, name, []))

    async def domain_restore(self, name: str, price: Decimal | None = None) -> Response:
        """RFC 3915 restore request (the fee-1.0 agreement rides on the update)."""
        return await self._restore(name, rgp.request_extension(), price, "request")

    async def domain_restore_report(self, name: str, report: rgp.RestoreReport) -> Response:
        return await self._restore(name, rgp.report_extension(report), None, "report")

    async def _restore(self, name: str, extension: etree._Element,
                       price: Decimal | None, op: str) -> Response:
        self._require(RGP, "rgp-1.0")
        extensions = [extension, *self._agree("update", price)]
        return await self.execute(domain.update(self.clid, name, extensions=extensions,
                                                verb="restore", rgp_op=op))

    # hosts

    async def host_check(self, *names: str) -> list[Availability]:
        return parse_check(await self.execute(host.check(self.clid, names)), HOST, "name")

    async def host_create(self, name: str, addresses: tuple[str, ...] = ()) -> Response:
        return await self.execute(host.create(self.clid, name, addresses))

    async def host_info(self, name: str) -> host.HostInfo:
        return host.parse_info(await self.execute(host.info(self.clid, name)))

    async def host_update(self, name: str, **changes) -> Response:
        """``changes``: add_addresses, rem_addresses, add_statuses, rem_statuses, new_name."""
        return await self.execute(host.update(self.clid, name, **changes))

    async def host_delete(self, name: str) -> Response:
        return await self.execute(host.delete(self.clid, name))

    # contacts

    async def contact_check(self, *handles: str) -> list[Availability]:
        return parse_check(await self.execute(contact.check(self.clid, handles)), CONTACT,
                           "id")

    async def contact_create(self, new: contact.Contact) -> Response:
        return await self.execute(contact.create(self.clid, new))

    async def contact_info(self, handle: str,
                           auth_info: str | None = None) -> contact.ContactInfo:
        return contact.parse_info(await self.execute(contact.info(self.clid, handle,
                                                                  auth_info)))

    async def contact_update(self, handle: str, **changes) -> Response:
        """``changes``: postal, voice, email, auth_info, add_statuses, rem_statuses."""
        return await self.execute(contact.update(self.clid, handle, **changes))

    async def contact_delete(self, handle: str) -> Response:
        return await self.execute(contact.delete(self.clid, handle))

    def _agree(self, verb: str, price: Decimal | None) -> list[etree._Element]:
        if price is None:
            return []
        self._require(FEE, "fee-1.0")
        return [fee.agree_extension(verb, price, self.config.currency)]

    def _require(self, uri: str, name: str) -> None:
        if not self.offers(uri):
            raise ValueError(f"{self.config.name} does not offer {name} ({uri})")
