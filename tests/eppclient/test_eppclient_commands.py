"""Every command of the client against ``pyrar eppd`` on the real core (SQLite), answers
read back as values; eppd validates each frame we send (a frame it found invalid would be
answered 2001, which these tests would see as CommandFailed)."""

from __future__ import annotations

import asyncio
import ssl
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from eppclient_world import add_long_password_registrar, client_config
from eppd_core_frames import fresh
from eppd_core_world import STRONG, core_world

from certs import create_ca
from eppclient import (
    CommandFailed,
    Contact,
    DomainChanges,
    DsData,
    EppClient,
    FeeQuery,
    LoginFailed,
    PostalInfo,
    RestoreReport,
    drain,
    tls_context,
)
from eppclient.namespaces import FEE, RGP, SECDNS

DS = DsData(12345, 13, 2, "AB" * 32)
DS2 = DsData(54321, 13, 2, "CD" * 32)


@pytest.fixture(scope="module")
def world(tmp_path_factory, pki, schema_check):
    with core_world(tmp_path_factory.mktemp("eppclient-commands"), pki, schema_check) as w:
        add_long_password_registrar(w)
        yield w


def run(world, body, clid="reg1", **config):
    async def main():
        async with EppClient(client_config(world, clid, **config)) as epp:
            return await body(epp)
    return asyncio.run(main())


def test_greeting_and_login_services(world):
    async def body(epp):
        session = next(iter(epp.pool._sessions))
        return epp.greeting, session.services

    greeting, (objects, extensions) = run(world, body)
    assert greeting.server_id == "PyRar core test"
    assert FEE in greeting.ext_uris and SECDNS in greeting.ext_uris
    assert "urn:ietf:params:xml:ns:domain-1.0" in objects
    assert set(extensions) <= set(greeting.ext_uris) and RGP in extensions


def test_long_password_goes_in_login_sec(world):
    async def body(epp):
        return (await epp.domain_check("free-for-reg3.example"))[0]

    assert run(world, body, "reg3").available


def test_domain_check_with_fees_and_premium_class(world):
    async def body(epp):
        return await epp.domain_check(
            "gold.example", fresh(), "reserved.example",
            fees=(FeeQuery("create"), FeeQuery("renew", 2), FeeQuery("transfer"),
                  FeeQuery("restore", None)))

    gold, plain, reserved = run(world, body)
    assert gold.available and gold.fee.premium and gold.fee.fee_class == "gold"
    assert gold.fee.quote("create").standard is False
    assert gold.fee.quote("create").total == Decimal("1000.00")
    assert plain.available and not plain.fee.premium
    assert plain.fee.currency == "USD"
    assert plain.fee.quote("create").total == Decimal("10.00")
    assert plain.fee.quote("renew").years == 2
    assert plain.fee.quote("renew").total == Decimal("20.00")
    assert plain.fee.quote("transfer").total == Decimal("8.00")
    assert plain.fee.quote("restore").total == Decimal("50.00")
    assert not reserved.available and reserved.reason


def test_domain_lifecycle_create_info_renew_update_delete(world):
    name = fresh()

    async def body(epp):
        created = await epp.domain_create(name, auth_info=STRONG, years=2, ds=(DS,),
                                          price=Decimal("20.00"))
        info = await epp.domain_info(name)
        renewed = await epp.domain_renew(name, info.expires_at, 1, price=Decimal("10.00"))
        await epp.domain_update(name, add=DomainChanges(statuses=("clientHold",)),
                                ds_add=(DS2,), ds_rem=(DS,))
        updated = await epp.domain_info(name)
        await epp.domain_delete(name)
        with pytest.raises(CommandFailed) as gone:
            await epp.domain_info(name)
        return created, info, renewed, updated, gone.value

    created, info, renewed, updated, gone = run(world, body)
    assert created.name == name
    assert created.charge.total == Decimal("20.00") and created.charge.currency == "USD"
    assert created.expires_at - created.created_at > timedelta(days=700)
    assert info.sponsor == "reg1" and info.created_by == "reg1"
    assert info.auth_info is None  # RFC 9154: the registry never shows it
    assert info.ds == (DS,)
    assert renewed.expires_at.year == info.expires_at.year + 1
    assert renewed.charge.total == Decimal("10.00")
    assert "clientHold" in updated.statuses
    assert updated.ds == (DS2,)
    assert gone.code == 2303  # deleted in its add grace period: gone at once


def test_fee_disagreement_is_refused_with_its_code(world):
    async def body(epp):
        with pytest.raises(CommandFailed) as wrong:
            await epp.domain_create("gold.example", auth_info=STRONG, price=Decimal("10.00"))
        return wrong.value

    assert run(world, body).code == 2004


def test_hosts_and_nameservers(world):
    name = fresh()

    async def body(epp):
        await epp.domain_create(name, auth_info=STRONG)
        host = f"ns1.{name}"
        [free] = await epp.host_check(host)
        await epp.host_create(host, ("192.0.2.1", "2001:db8::1"))
        [taken] = await epp.host_check(host)
        assert free.available and not taken.available and taken.reason
        await epp.domain_update(name, add=DomainChanges(ns=(host,)))
        with_ns = await epp.domain_info(name)
        await epp.host_update(host, add_addresses=("192.0.2.2",), rem_addresses=("192.0.2.1",))
        updated = await epp.host_info(host)
        await epp.domain_update(name, rem=DomainChanges(ns=(host,)))
        await epp.host_delete(host)
        with pytest.raises(CommandFailed) as gone:
            await epp.host_info(host)
        return with_ns, updated, gone.value

    with_ns, host, gone = run(world, body)
    assert with_ns.ns == (f"ns1.{name}",) and with_ns.hosts == (f"ns1.{name}",)
    assert set(host.addresses) == {"192.0.2.2", "2001:db8::1"}
    assert host.sponsor == "reg1"
    assert gone.code == 2303


def test_contacts(world):
    handle = f"c{datetime.now(UTC):%H%M%S%f}"
    contact = Contact(handle, "jd@example.com",
                      (PostalInfo("John <Doe> & Co", "Dulles", "US", ("123 Example Dr.",),
                                  sp="VA", pc="20166"),),
                      voice="+1.7035555555", auth_info=STRONG)

    async def body(epp):
        [free] = await epp.contact_check(handle)
        await epp.contact_create(contact)
        [taken] = await epp.contact_check(handle)
        assert free.available and not taken.available
        first = await epp.contact_info(handle)
        await epp.contact_update(handle, email="new@example.com")
        second = await epp.contact_info(handle)
        await epp.contact_delete(handle)
        with pytest.raises(CommandFailed) as gone:
            await epp.contact_info(handle)
        return first, second, gone.value

    first, second, gone = run(world, body)
    assert first.contact.postal[0].name == "John <Doe> & Co"  # escaped, not injected
    assert first.contact.email == "jd@example.com" and first.sponsor == "reg1"
    assert second.contact.email == "new@example.com"
    assert gone.code == 2303


def test_every_transfer_operation(world):
    rejected, cancelled, approved = fresh(), fresh(), fresh()

    async def body():
        async with EppClient(client_config(world, "reg1")) as losing, \
                EppClient(client_config(world, "reg2")) as gaining:
            for name in (rejected, cancelled, approved):
                await losing.domain_create(name, auth_info=STRONG)
                world.end_grace_periods(name)
            results = {}
            for name, op, actor in ((rejected, "reject", losing),
                                    (cancelled, "cancel", gaining),
                                    (approved, "approve", losing)):
                requested = await gaining.domain_transfer("request", name, STRONG,
                                                          price=Decimal("8.00"))
                queried = await gaining.domain_transfer("query", name, STRONG)
                done = await actor.domain_transfer(op, name, STRONG if actor is gaining
                                                   else None)
                results[op] = (requested, queried, done)
            sponsor = (await gaining.domain_info(approved)).sponsor
            return results, sponsor

    results, sponsor = asyncio.run(body())
    for op, status in (("reject", "clientRejected"), ("cancel", "clientCancelled"),
                       ("approve", "clientApproved")):
        requested, queried, done = results[op]
        assert requested.status == "pending" and requested.requested_by == "reg2"
        assert requested.charge.total == Decimal("8.00")
        assert queried.status == "pending" and queried.action_by == "reg1"
        assert done.status == status
    assert sponsor == "reg2"


def test_restore_request_and_report(world):
    name = fresh()
    now = datetime.now(UTC)
    report = RestoreReport(pre_data="before", post_data="after",
                           deleted_at=now - timedelta(hours=1), restored_at=now,
                           reason="registrant error")

    async def body(epp):
        await epp.domain_create(name, auth_info=STRONG)
        world.end_grace_periods(name)
        await epp.domain_delete(name)
        deleted = await epp.domain_info(name)
        await epp.domain_restore(name, price=Decimal("50.00"))
        pending = await epp.domain_info(name)
        await epp.domain_restore_report(name, report)
        return deleted, pending, await epp.domain_info(name)

    deleted, pending, restored = run(world, body)
    assert "pendingDelete" in deleted.statuses
    assert "redemptionPeriod" in deleted.rgp_statuses
    assert "pendingRestore" in pending.rgp_statuses
    assert "pendingDelete" not in restored.statuses
    assert not {"redemptionPeriod", "pendingRestore"} & set(restored.rgp_statuses)


def test_poll_drain_records_each_message_once_before_ack(world):
    name = fresh()
    recorded: dict[str, str] = {}
    acked_after: list[bool] = []

    async def body():
        async with EppClient(client_config(world, "reg1")) as reg1, \
                EppClient(client_config(world, "reg2")) as reg2:
            await drain(reg1, _noop, _always)  # start from an empty queue
            await reg1.domain_create(name, auth_info=STRONG)
            world.end_grace_periods(name)
            await reg2.domain_transfer("request", name, STRONG)

            async def record(message):
                recorded[message.id] = message.text
                acked_after.append((await _queue_head(reg1)) == message.id)

            async def seen(message_id):
                return message_id in recorded

            first = await drain(reg1, record, seen)
            again = await drain(reg1, record, seen)
            return first, again

    first, again = asyncio.run(body())
    assert first == 1 and again == 0
    assert list(recorded.values()) == [v for v in recorded.values() if "ransfer" in v]
    assert acked_after == [True]  # while recording, the message was still queued


async def _queue_head(epp):
    from eppclient import poll_request
    message = await poll_request(epp)
    return message.id if message else None


async def _noop(message):
    return None


async def _always(message_id):
    return True


def test_a_wrong_password_is_a_login_failure(world):
    with pytest.raises(LoginFailed) as refused:
        run(world, _nothing, password="wrong-password")
    assert refused.value.code == 2200


def test_only_the_registry_ca_is_trusted(world, tmp_path):
    other = create_ca(tmp_path, common_name="Not the registry's CA")
    with pytest.raises(ssl.SSLCertVerificationError):
        run(world, _nothing, ca=other.cert)


def test_tls_is_1_2_or_later(world):
    context = tls_context(client_config(world))
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname

    async def version(epp):
        return next(iter(epp.pool._sessions))._writer.get_extra_info("ssl_object").version()

    assert run(world, version) in ("TLSv1.2", "TLSv1.3")


async def _nothing(epp):
    return None
