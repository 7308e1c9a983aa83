"""Managing held names without HTTP: name servers with glue, DS, locks, the auth code and a
transfer away with it, auto-renew, release."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registrar.errors import Conflict, InvalidInput, NotFound
from registrar.models import SiteDomain
from registry.errors import ObjectDoesNotExist
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_info import DomainInfoQuery
from registry.flows.domain_transfer import DomainTransferRequest
from registry.flows.host_create import HostCreate
from registry.values import HostAddress
from tests.core.world import STRONG
from tests.registrar.conftest import funded_user, operator

DS = {"key_tag": 12345, "algorithm": 13, "digest_type": 2, "digest": "ab" * 32}


@pytest.fixture
def owner(core, world):
    user = funded_user(core, world)
    core.place_order(user.id, [{"name": "mine.example"}])
    return user


def test_nameservers_with_glue_and_external_hosts(core, world, owner):
    other = world.add_registrar("other")
    world.run(DomainCreate("elsewhere.test", authinfo=STRONG), other)
    # someone else's host: used as it is
    world.run(HostCreate("ns1.elsewhere.test", (HostAddress("192.0.2.9"),)), other)
    detail = core.set_nameservers(owner.id, "mine.example", [
        {"name": "ns1.mine.example", "addresses": ["192.0.2.1", "2001:db8::1"]},
        "ns2.outside.net", {"name": "ns1.elsewhere.test"}])
    assert set(detail.nameservers) == {"ns1.mine.example", "ns2.outside.net",
                                       "ns1.elsewhere.test"}
    # a glue host already in use may be sent back without its addresses: kept as it is
    detail = core.set_nameservers(owner.id, "mine.example", [
        "ns1.mine.example", "ns2.outside.net"])
    assert set(detail.nameservers) == {"ns1.mine.example", "ns2.outside.net"}
    detail = core.set_nameservers(owner.id, "mine.example", ["ns2.outside.net"])
    assert detail.nameservers == ("ns2.outside.net",)


@pytest.mark.parametrize("servers", [
    "ns1.x.net", [{"name": "ns1.mine.example"}], [{"name": "ns.x.net", "addresses": ["1.2.3.4"]}],
    [{"name": "ns1.mine.example", "addresses": ["not-an-ip"]}], [{"name": "bad..name"}],
    [5], [f"ns{i}.x.net" for i in range(20)],
])
def test_bad_nameservers_change_nothing(core, owner, servers):
    with pytest.raises(InvalidInput):
        core.set_nameservers(owner.id, "mine.example", servers)
    assert core.domain(owner.id, "mine.example").nameservers == ()


def test_locks_ds_and_auto_renew(core, owner):
    detail = core.set_locks(owner.id, "mine.example", {"delete": True, "transfer": True})
    assert detail.locks == {"delete": True, "transfer": True, "update": False, "renew": False}
    assert "clientDeleteProhibited" in detail.statuses
    with pytest.raises(Conflict):
        core.release(owner.id, "mine.example")
    detail = core.change_ds(owner.id, "mine.example", [DS], None)
    assert [d.key_tag for d in detail.ds] == [12345]
    detail = core.change_ds(owner.id, "mine.example", None, [DS])
    assert detail.ds == ()
    with pytest.raises(InvalidInput):
        core.change_ds(owner.id, "mine.example", [{"key_tag": "x"}], None)
    assert not core.set_auto_renew(owner.id, "mine.example", False).auto_renew
    detail = core.set_locks(owner.id, "mine.example", {"delete": False})
    assert not detail.locks["delete"] and detail.locks["transfer"]


def test_transfer_away_with_the_auth_code(core, world, owner):
    gaining = world.add_registrar("gaining")
    code = core.reset_auth_code(owner.id, "mine.example")
    assert len(code) >= 32
    world.run(DomainTransferRequest("mine.example", code), gaining)
    core.answer_transfer(owner.id, "mine.example", True)
    info = world.run(DomainInfoQuery("mine.example"), operator()).result
    assert info.sponsor == "gaining"
    assert core.domains(owner.id) == []


def test_others_cannot_touch_a_name(core, world, owner):
    bob = funded_user(core, world, "bob@example.net")
    with pytest.raises(NotFound):
        core.domain(bob.id, "mine.example")
    with pytest.raises(NotFound):
        core.set_locks(bob.id, "mine.example", {"delete": True})
    with pytest.raises(NotFound):
        core.release(bob.id, "mine.example")


def test_release_then_the_account_can_close(core, world, owner):
    core.release(owner.id, "mine.example")
    assert world.registry.read(lambda s: s.scalars(select(SiteDomain)).all()) == []
    # deleted within its add grace period: gone from the registry at once
    with pytest.raises(ObjectDoesNotExist):
        world.run(DomainInfoQuery("mine.example"), operator())
    core.close_account(owner.id, "correct horse battery")


def test_released_after_its_add_grace_the_name_stays_restorable(core, world, owner):
    world.clock.advance(days=6)                   # past the add grace
    core.release(owner.id, "mine.example")
    (row,) = world.registry.read(lambda s: s.scalars(select(SiteDomain)).all())
    assert row.state == "redemption"
    info = world.run(DomainInfoQuery("mine.example"), operator()).result
    assert "redemptionPeriod" in info.rgp_statuses
    with pytest.raises(Conflict):                   # no renewal in redemption
        core.place_order(owner.id, [{"name": "mine.example", "operation": "renew"}])
    with pytest.raises(Conflict, match="restore the name first"):  # nor auto-renew
        core.set_auto_renew(owner.id, "mine.example", False)
    assert core.domain(owner.id, "mine.example").auto_renew     # unchanged
    order = core.place_order(owner.id, [{"name": "mine.example", "operation": "restore"}])
    assert order.items[0].status == "done", order.items[0].error
    assert core.domain(owner.id, "mine.example").state == "active"


def test_auto_renew_is_refused_for_a_name_the_registry_deleted(core, world, owner):
    """Our record may lag the registry's (a deletion not yet seen): its pendingDelete is
    enough to refuse the change."""
    world.clock.advance(days=6)
    core.release(owner.id, "mine.example")

    def lagging(ctx):
        ctx.session.scalars(select(SiteDomain)).one().state = "active"
    core.tx(lagging)
    with pytest.raises(Conflict, match="deleted at the registry"):
        core.set_auto_renew(owner.id, "mine.example", False)
    assert core.domains(owner.id)[0].auto_renew


def test_gift_to_another_user_who_accepts(core, world, owner):
    from registrar.errors import Forbidden
    from tests.registrar.conftest import mails
    core.give(owner.id, "mine.example", "Bob@Example.net")
    (gifted,) = mails(world, "gifted")
    assert gifted["to"] == "bob@example.net" and gifted["user_id"] is None
    token = gifted["values"]["token"]
    carol = funded_user(core, world, "carol@example.net")
    with pytest.raises(Forbidden):
        core.accept_gift(carol.id, token)
    bob = funded_user(core, world, "bob@example.net")
    assert core.accept_gift(bob.id, token) == "mine.example"
    assert [d.name for d in core.domains(bob.id)] == ["mine.example"]
    assert core.domains(owner.id) == []
    assert mails(world, "gift_accepted")[0]["to"] == owner.email
    with pytest.raises(InvalidInput):
        core.accept_gift(bob.id, token)  # once


def test_a_gift_is_void_once_the_name_is_gone(core, world, owner):
    from tests.registrar.conftest import mails
    core.give(owner.id, "mine.example", "bob@example.net")
    core.release(owner.id, "mine.example")
    bob = funded_user(core, world, "bob@example.net")
    with pytest.raises(Conflict):
        core.accept_gift(bob.id, mails(world, "gifted")[0]["values"]["token"])
