from registry.flows.domain_check import DomainCheck
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_info import DomainInfoQuery
from tests.core.world import STRONG


def test_create_then_check_and_info(world, alice):
    r = world.run(DomainCheck(("foo.example",)), alice)
    assert r.result.names[0].available
    r = world.run(DomainCreate("foo.example", authinfo=STRONG), alice)
    assert r.result.name == "foo.example"
    assert r.result.charge.total == 1000
    r = world.run(DomainCheck(("foo.example",)), alice)
    assert not r.result.names[0].available
    info = world.run(DomainInfoQuery("foo.example"), alice).result
    assert info.sponsor == "alice"
    assert info.rgp_statuses == ("addPeriod",)
    assert world.registrar(alice).balance == 99_000
