"""Users' hosted zones end to end in one process: the registrar site asks (registrar core),
zonegen's ``hosted`` consumer applies it to a real PowerDNS and reports back through the
core, the scheduler carries signing and unsigning through, and the DS reaches the TLD only
once it is safe. The registrar's own rules: tests/registrar/test_hosted_dns.py."""

from __future__ import annotations

from datetime import UTC, datetime

import dns.rdatatype
import pytest
from zonegen_core_world import CoreWorld, ds_text
from zonegen_helpers import Clock, need_pdns

from registrar.config import RegistrarSettings
from registrar.core import RegistrarCore
from registry.events.delivery import Batch, Delivery
from registry.hosted_status import hosted_status
from tests.registrar.conftest import TEST_SETTINGS, funded_user
from zonegen.service import ZonegenService

pytestmark = pytest.mark.pdns

HOSTING = ("ns1.hosting.pyrar.invalid", "ns2.hosting.pyrar.invalid")
WWW = {"name": "www", "type": "A", "ttl": 300, "contents": ["192.0.2.10"]}


@pytest.fixture
def core(core_database, pdns, zone_name):
    need_pdns()
    c = CoreWorld.create(core_database, pdns, zone_name.rstrip("."))
    c.world.add_registrar("house", balance=10_000_000)
    c.drain()
    yield c
    c.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(core, clock) -> ZonegenService:
    settings = core.pdns.settings
    settings = type(settings)(**{**settings.__dict__, "hosted_nameservers": HOSTING,
                                 "catalog_zone": ""})
    service = ZonegenService(settings, None, core.state, core.events, clock=clock,
                             registry=core.registry)
    assert service.hosted_consumer is not None
    return service


@pytest.fixture
def site(core) -> RegistrarCore:
    settings = RegistrarSettings(**{**TEST_SETTINGS.__dict__, "house_clid": "house"})
    return RegistrarCore(core.registry, settings, hosting_nameservers=HOSTING)


def deliver(service: ZonegenService) -> int:
    """What the consumer thread does: every due ``hosted`` event, applied."""
    count = 0
    while (batch := service.hosted_consumer.run_once()) is not None:
        count += len(batch.deliveries)
    return count


def answers(core: CoreWorld, name: str, rdtype: str) -> list[str]:
    reply = core.probe().query(name, rdtype)
    want = dns.rdatatype.from_text(rdtype)
    return sorted(r.to_text() for rrset in reply.answer if rrset.rdtype == want for r in rrset)


def core_ds(site: RegistrarCore, user_id: int, name: str) -> list[str]:
    return sorted(ds_text(d) for d in site.domain(user_id, name).ds)


def test_a_users_zone_from_the_site_to_signed_in_the_tld_and_back(core, service, site,
                                                                  clock) -> None:
    user = funded_user(site, core.world)
    name = f"shop.{core.tld}"
    site.place_order(user.id, [{"name": name}])
    view = site.enable_hosting(user.id, name)
    assert not view.applied
    assert deliver(service) == 1
    view = site.hosted_zone(user.id, name)
    assert view.applied and view.dnssec == "unsigned" and view.delegated
    core.drain()                                          # the delegation, in the TLD
    assert answers(core, name + ".", "NS") == sorted(h + "." for h in HOSTING)

    site.set_hosted_records(user.id, name, [WWW])
    assert not site.hosted_zone(user.id, name).applied
    deliver(service)
    assert answers(core, f"www.{name}.", "A") == ["192.0.2.10"]
    assert site.hosted_zone(user.id, name).applied

    site.sign_hosted(user.id, name, True)
    deliver(service)
    view = site.hosted_zone(user.id, name)
    assert (view.dnssec, view.step, view.next_step_at) == ("signing", "keys-published", None)
    assert answers(core, name + ".", "DNSKEY") and core_ds(site, user.id, name) == []
    service.run_scheduled_once()                          # every server answers the keys
    view = site.hosted_zone(user.id, name)
    hold = service.hosted.sign_state(name + ".").hold
    assert view.step == "keys-served"
    assert view.next_step_at == datetime.fromtimestamp(clock.now + hold, UTC)
    assert core_ds(site, user.id, name) == []                      # not before the TTLs passed
    clock.now += hold
    service.run_scheduled_once()
    assert site.hosted_zone(user.id, name).dnssec == "signed"
    (ds,) = core_ds(site, user.id, name)
    core.drain()
    assert [d.upper() for d in answers(core, name + ".", "DS")] == [ds.upper()]

    # a late copy of an older revision changes nothing (the record stays)
    service.hosted_apply.apply({"zone": name, "revision": 2, "nameservers": list(HOSTING),
                                "records": [], "signed": False, "remove": False})
    assert answers(core, f"www.{name}.", "A") == ["192.0.2.10"]
    assert service.hosted.is_signed(name + ".")

    site.sign_hosted(user.id, name, False)
    deliver(service)
    assert site.hosted_zone(user.id, name).dnssec == "unsigning"
    assert core_ds(site, user.id, name) == []                      # the DS leaves first
    core.drain()
    service.run_scheduled_once()                          # the TLD no longer serves it
    view = site.hosted_zone(user.id, name)
    assert view.step == "ds-gone" and view.next_step_at is not None
    clock.now += core.state.zone_spec(core.zone).ds_ttl
    service.run_scheduled_once()
    assert site.hosted_zone(user.id, name).dnssec == "unsigned"
    assert not service.hosted.is_signed(name + ".")

    site.disable_hosting(user.id, name)
    deliver(service)
    assert service.hosted.api.zone(name + ".", rrsets=False) is None
    assert core.registry.read(lambda s: hosted_status(s, name)) is None


def test_a_state_powerdns_refuses_is_reported_and_not_retried(core, service) -> None:
    name = f"odd.{core.tld}"
    bad = {"zone": name, "revision": 1, "nameservers": list(HOSTING), "signed": False,
           "remove": False, "records": [{"name": f"www.{name}.", "type": "A", "ttl": 300,
                                         "contents": ["not-an-address"]}]}
    batch = Batch([Delivery(1, "hosted.apply", bad, datetime.now(UTC), 0)])
    service.hosted_apply.handle(batch)
    assert batch.acked == [1] and not batch.failed
    status = core.registry.read(lambda s: hosted_status(s, name))
    assert status.revision == 0 and "not-an-address" in status.error
