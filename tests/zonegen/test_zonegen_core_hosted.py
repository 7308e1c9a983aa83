"""Hosted client zones through the core: a signed hosted zone's DS reaches the TLD by a
DomainUpdate (history, outbox), the chain validates; unsigning removes the DS first and the
keys only after the TLD stopped serving it and its TTL passed."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import dns.dnssec
import dns.name
import dns.rdatatype
import pytest
from sqlalchemy import select
from zonegen_core_world import (
    CoreWorld,
    ds_text,
)
from zonegen_helpers import Clock, need_pdns

from registrar.config import RegistrarSettings
from registrar.core import RegistrarCore
from registry.errors import EppError
from registry.events.delivery import Batch, Delivery
from registry.flows.domain_info import DomainInfoQuery
from registry.hosted_records import RRset
from registry.hosted_status import hosted_status
from registry.models import HistoryEntry
from registry.values import DsData
from tests.registrar.conftest import TEST_SETTINGS, funded_user
from zonegen.hosted import HostedZones, UnsignState
from zonegen.hosted_signing import FOREIGN_DS_TTL, HostedSigning, SignResult
from zonegen.served import OurServers, parent_in
from zonegen.service import ZonegenService
from zonegen.verify import delv

pytestmark = pytest.mark.pdns

HOSTING = ("ns1.pyrar-hosting.net", "ns2.pyrar-hosting.net")
STALE_DS = DsData(999, 13, 2, "EE" * 32)     # a previous provider's key
OTHER_DS = DsData(777, 13, 2, "77" * 32)


@pytest.fixture
def core(core_database, pdns, zone_name):
    need_pdns()
    c = CoreWorld.create(core_database, pdns, zone_name.rstrip("."))
    c.drain()
    for host in (*HOSTING, "ns1.elsewhere.net"):
        c.host(host)
    yield c
    c.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def signing(core, clock) -> HostedSigning:
    api = core.pdns.api()
    servers = OurServers((core.probe(),), parent_in(lambda z: api.zone(z, rrsets=False)
                                                    is not None))
    return HostedSigning(HostedZones(api, clock=clock), core.registry, HOSTING, servers)


def sign(signing: HostedSigning, clock: Clock, zone: str) -> SignResult:
    """Sign and let the scheduler carry the DS into the registry once it is safe; the
    result's ``core`` is what the registry did with it."""
    result = signing.sign(zone)
    if result.core.outcome != "pending":
        return result
    assert signing.run_scheduled([zone]) == []            # every server answers the keys
    clock.now += signing.hosted.sign_state(zone).hold
    signing.run_scheduled([zone])
    assert signing.hosted.sign_state(zone) is None
    return SignResult(result.parent, signing.ds_changes[zone])


def core_ds(core: CoreWorld, name: str) -> list[str]:
    info = core.world.run(DomainInfoQuery(name), core.registrar).result
    return sorted(ds_text(d) for d in info.ds_data)


def served_ds(core: CoreWorld, name: str) -> list[str]:
    """The DS set the TLD answers, its signature checked against the TLD's DNSKEY set."""
    probe = core.probe()
    reply = probe.query(name + ".", "DS")
    ds = [r for r in reply.answer if r.rdtype == dns.rdatatype.DS]
    if not ds:
        return []
    sig = [r for r in reply.answer if r.rdtype == dns.rdatatype.RRSIG]
    assert sig, "DS without RRSIG"
    dns.dnssec.validate(ds[0], sig[0], {dns.name.from_text(core.zone): probe.dnskeys(core.zone)})
    return sorted(f"{r.key_tag} {r.algorithm} {r.digest_type} {r.digest.hex()}" for r in ds[0])


def last_history(core: CoreWorld, name: str) -> tuple[str, str]:
    return core.world.task(lambda ctx: tuple(ctx.session.execute(
        select(HistoryEntry.command, HistoryEntry.actor).where(
            HistoryEntry.object_name == name).order_by(HistoryEntry.id.desc()).limit(1)).one()))


def validates(core: CoreWorld, name: str, tmp_path) -> tuple[bool, str]:
    return delv("127.0.0.1", core.pdns.settings.port, core.zone, core.ksk(), name, "A",
                tmp_path)


def test_sign_publishes_ds_through_the_core_and_unsign_is_safe(core, signing, clock,
                                                              tmp_path) -> None:
    if not shutil.which("delv"):
        pytest.skip("delv is not installed (bind9-dnsutils)")
    shop = core.domain("shop", ns=HOSTING, ds=(STALE_DS,))
    zone = shop + "."
    signing.hosted.create(zone, HOSTING, rrsets=[RRset("www", "A", 300, ("192.0.2.80",))])
    core.drain()
    assert served_ds(core, shop) == [ds_text(STALE_DS)]
    ok, out = validates(core, f"www.{shop}.", tmp_path)
    assert not ok and "broken trust chain" in out               # bogus: the stale DS

    result = signing.sign(zone)
    assert result.core.outcome == "pending" and len(result.parent.ds) == 1
    # no DS before every server answers the keys and the zone's longest TTL has passed
    assert core_ds(core, shop) == [ds_text(STALE_DS)]
    assert signing.hosted.sign_state(zone).step == "keys-published"
    assert signing.run_scheduled([zone]) == []
    state = signing.hosted.sign_state(zone)
    assert (state.step, state.since, state.hold) == ("keys-served", clock.now, 3600)
    clock.now += state.hold - 1
    signing.run_scheduled([zone])
    assert core_ds(core, shop) == [ds_text(STALE_DS)]
    clock.now += 1
    signing.run_scheduled([zone])
    assert signing.hosted.sign_state(zone) is None
    assert signing.ds_changes[zone].outcome == "updated"
    ours = result.parent.ds[0].lower()
    assert core_ds(core, shop) == [ours]                         # the stale DS replaced
    assert last_history(core, shop) == ("hosted_ds_publish", "system")
    core.drain()
    assert served_ds(core, shop) == [ours]
    ok, out = validates(core, f"www.{shop}.", tmp_path)
    assert ok, out
    assert signing.sign(zone).core.outcome == "unchanged"        # a second sign: no update

    ds_ttl = core.state.zone_spec(core.zone).ds_ttl
    assert signing.parent_ds_ttl(zone) == ds_ttl
    state = signing.unsign(zone)
    assert state == UnsignState(zone, "requested", clock.now, ds_ttl)
    assert core_ds(core, shop) == []                             # the core first...
    assert last_history(core, shop) == ("hosted_ds_withdraw", "system")
    clock.now += 10 * ds_ttl
    assert signing.run_scheduled([zone]) == []                   # ...but the TLD still has it
    assert signing.hosted.unsign_state(zone).step == "requested"
    assert signing.hosted.is_signed(zone)
    assert signing.publish_ds(zone).outcome == "unchanged"       # no DS back while unsigning

    core.drain()                                                 # the TLD stops serving it
    assert served_ds(core, shop) == [] and core.expected(shop).ds == ()  # delegated, no DS
    assert signing.run_scheduled([zone]) == []
    gone = signing.hosted.unsign_state(zone)
    assert gone.step == "ds-gone" and gone.keys_removable_at == clock.now + ds_ttl
    clock.now += ds_ttl - 1
    assert signing.run_scheduled([zone]) == []
    types = {r.rdtype for r in core.probe().query(zone, "DNSKEY").answer}
    assert types == {dns.rdatatype.DNSKEY, dns.rdatatype.RRSIG}   # still published, signed
    ok, out = validates(core, f"www.{shop}.", tmp_path)
    assert not ok and "; unsigned answer" in out                # insecure, not bogus
    clock.now += 1
    assert signing.run_scheduled([zone]) == [zone]
    assert not signing.hosted.is_signed(zone) and signing.hosted.unsign_state(zone) is None
    reply = core.probe().query(f"www.{shop}.", "A")
    assert reply.answer and all(r.rdtype != dns.rdatatype.RRSIG for r in reply.answer)
    assert not core.probe().query(zone, "DNSKEY").answer


def test_ds_follows_the_delegation(core, signing, clock) -> None:
    shop = core.domain("moving", ns=("ns1.elsewhere.net",))
    zone = shop + "."
    signing.hosted.create(zone, HOSTING)
    assert signing.served_only_by_us(zone) is False
    result = sign(signing, clock, zone)
    assert result.core.outcome == "elsewhere" and core_ds(core, shop) == []
    ours = result.parent.ds[0].lower()

    # the registrar points the domain at our hosting: the scheduler's reconcile adds the DS
    core.update(shop, add_nameservers=HOSTING, rem_nameservers=("ns1.elsewhere.net",))
    assert signing.served_only_by_us(zone) is True
    changes = signing.reconcile()
    assert [(c.domain, c.outcome) for c in changes] == [(shop, "updated")]
    assert signing.reconcile() == []                             # nothing more to do
    core.drain()
    assert core_ds(core, shop) == [ours] and served_ds(core, shop) == [ours]

    # and away again, with the new provider's DS: ours goes, theirs stays
    core.update(shop, add_nameservers=("ns1.elsewhere.net",), rem_nameservers=HOSTING,
                ds_add=(OTHER_DS,))
    assert [c.outcome for c in signing.reconcile([zone])] == ["updated"]
    core.drain()
    assert core_ds(core, shop) == served_ds(core, shop) == [ds_text(OTHER_DS)]
    assert last_history(core, shop) == ("hosted_ds_withdraw", "system")
    # partly ours, partly elsewhere: no DS of ours either (the other server is unsigned)
    core.update(shop, add_nameservers=HOSTING[:1])
    assert signing.reconcile([zone]) == [] and core_ds(core, shop) == [ds_text(OTHER_DS)]


def test_registry_refusals_keep_the_zone_safe(core, signing, clock) -> None:
    locked = core.domain("locked", ns=HOSTING)
    zone = locked + "."
    signing.hosted.create(zone, HOSTING)
    core.update(locked, add_statuses=("clientUpdateProhibited",))
    result = sign(signing, clock, zone)               # signed; the registry refuses the DS
    assert result.core.outcome == "refused" and "clientUpdateProhibited" in result.core.reason
    assert signing.hosted.is_signed(zone) and core_ds(core, locked) == []
    core.update(locked, rem_statuses=("clientUpdateProhibited",))
    assert [c.outcome for c in signing.reconcile([zone])] == ["updated"]
    core.update(locked, add_statuses=("clientUpdateProhibited",))
    with pytest.raises(EppError) as refused:           # unsign cannot remove the DS...
        signing.unsign(zone)
    assert refused.value.code == 2304
    # ...so nothing is pending and the keys stay, matching the DS still in the registry
    assert signing.hosted.unsign_state(zone) is None and signing.hosted.is_signed(zone)
    assert len(core_ds(core, locked)) == 1

    # a hosted zone that is not one of our domains: its parent is not ours to change
    outside = f"{core.tld}.client.example.com."          # unique in this PowerDNS
    signing.hosted.create(outside, HOSTING)
    assert sign(signing, clock, outside).core.outcome == "unregistered"
    assert signing.served_only_by_us(outside) is None
    assert signing.parent_ds_ttl(outside) == FOREIGN_DS_TTL

    # unsigning it: whether its parent still serves the DS is not ours to see, so the keys
    # stay, however long, until an operator confirms the DS is gone there
    state = signing.unsign(outside)
    assert (state.step, state.ds_ttl) == ("requested", FOREIGN_DS_TTL)
    clock.now += 10 * FOREIGN_DS_TTL
    assert signing.run_scheduled([outside]) == [] and signing.hosted.is_signed(outside)
    assert signing.hosted.confirm_ds_gone(outside).keys_removable_at == \
        clock.now + FOREIGN_DS_TTL
    clock.now += FOREIGN_DS_TTL
    assert signing.run_scheduled([outside]) == [outside]
    assert not signing.hosted.is_signed(outside)


@pytest.fixture
def service(core, clock) -> ZonegenService:
    """zonegen as serve runs it, with the core and the hosting name servers; its threads
    are not started: the tests drive the scheduler and the consumer."""
    settings = core.pdns.settings
    settings = type(settings)(**{**settings.__dict__, "hosted_nameservers": HOSTING,
                                 "catalog_zone": ""})
    return ZonegenService(settings, None, core.state, core.events, clock=clock,
                          registry=core.registry)


def test_service_scheduler_reconciles_through_the_core(core, service, clock) -> None:
    assert service.signing is not None
    shop = core.domain("sched", ns=HOSTING)
    service.hosted.create(shop + ".", HOSTING)
    parent = service.hosted.sign(shop + ".")           # signed outside HostedSigning
    assert core_ds(core, shop) == []
    assert service.run_scheduled_once() == []          # keys everywhere: the hold begins
    assert core_ds(core, shop) == []                   # (reconcile waits for it too)
    clock.now += service.hosted.sign_state(shop + ".").hold
    assert service.run_scheduled_once() == []
    assert core_ds(core, shop) == [parent.ds[0].lower()]
    without = ZonegenService(service.settings, None, core.state, core.events, clock=clock)
    assert without.signing is None                     # no registry: hosted zones only


# -- users' hosted zones from the registrar site (registrar/hosted_dns.py) -------------

WWW = {"name": "www", "type": "A", "ttl": 300, "contents": ["192.0.2.10"]}


@pytest.fixture
def site(core) -> RegistrarCore:
    """The registrar site selling hosting on HOSTING, as the house registrar."""
    core.world.add_registrar("house", balance=10_000_000)
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


def site_ds(site: RegistrarCore, user_id: int, name: str) -> list[str]:
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
    assert answers(core, name + ".", "DNSKEY") and site_ds(site, user.id, name) == []
    service.run_scheduled_once()                          # every server answers the keys
    view = site.hosted_zone(user.id, name)
    hold = service.hosted.sign_state(name + ".").hold
    assert view.step == "keys-served"
    assert view.next_step_at == datetime.fromtimestamp(clock.now + hold, UTC)
    assert site_ds(site, user.id, name) == []                      # not before the TTLs passed
    clock.now += hold
    service.run_scheduled_once()
    assert site.hosted_zone(user.id, name).dnssec == "signed"
    (ds,) = site_ds(site, user.id, name)
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
    assert site_ds(site, user.id, name) == []                      # the DS leaves first
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
