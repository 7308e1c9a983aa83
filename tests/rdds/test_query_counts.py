"""RDAP and WHOIS queries counted per minute in each process and written in one statement
per flush, adding to what other processes wrote; the monthly activity report sums them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.flows.domain_check import DomainCheck
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_info import DomainInfoQuery
from registry.flows.host_check import HostCheck
from registry.models.query_count import QueryCount
from registry.monthly_reports import Month, activity
from registry.query_counts import READ_FIELDS, QueryCounter, totals
from registry.values import Period, Trid
from tests.core.world import STRONG
from tests.rdds.rdds_world import RdapServer
from tests.rdds.test_whois import WhoisServer


def rows(registry):
    return registry.read(lambda s: sorted(
        (r.service, r.minute.minute, r.count) for r in s.scalars(select(QueryCount))))


@pytest.fixture(scope="module")
def counted(registered):
    """The module's world, its query counts made afresh."""
    registry = registered.world.registry
    registry.run(lambda ctx: ctx.session.query(QueryCount).delete())
    return registered


def test_counts_add_up_across_minutes_flushes_and_processes(counted):
    world = counted.world
    start = world.clock.now()
    first, second = QueryCounter(world.clock), QueryCounter(world.clock)  # two processes
    for _ in range(3):
        first.count("rdap")
    second.count("rdap")
    second.count("whois")
    assert first.flush(world.registry) == 3 and second.flush(world.registry) == 2
    assert first.flush(world.registry) == 0  # nothing new: no statement
    world.clock.advance(seconds=60)
    first.count("rdap")
    first.flush(world.registry)
    minute = start.replace(second=0, microsecond=0).minute
    assert rows(world.registry) == [("rdap", minute, 4), ("rdap", (minute + 1) % 60, 1),
                                    ("whois", minute, 1)]
    month = Month(start.year, start.month)
    found = world.registry.read(lambda s: totals(s, month.start, month.end))
    assert (found["rdap"], found["whois"]) == (5, 1)
    found = world.registry.read(lambda s: totals(s, month.end, month.end + timedelta(days=31)))
    assert (found["rdap"], found["whois"]) == (0, 0)
    values = world.registry.read(lambda s: activity(s, "example", month))
    assert values["rdap-queries"] == 5 and values["whois-43-queries"] == 1
    assert values["web-whois-queries"] == 0 and values["dns-udp-queries-received"] is None


def test_a_failed_flush_keeps_its_counts(counted):
    world = counted.world
    counter = QueryCounter(world.clock)
    counter.count("whois")

    class Down:
        class db:  # stands for Registry.db
            @staticmethod
            def run(_work):
                raise ConnectionError("database gone")
    with pytest.raises(ConnectionError):
        counter.flush(Down())
    counter.count("whois")
    before = world.registry.read(lambda s: totals(s, Month(2026, 1).start, Month(2026, 1).end))
    assert counter.flush(world.registry) == 2
    after = world.registry.read(lambda s: totals(s, Month(2026, 1).start, Month(2026, 1).end))
    assert after["whois"] == before["whois"] + 2


def test_the_servers_count_what_they_answer(counted):
    registry = counted.world.registry
    counter = QueryCounter(registry.clock)
    rdap = RdapServer(registry, counter=counter)
    assert rdap.get("help", method="OPTIONS")[0] == 204  # a preflight is no query
    try:
        assert rdap.get("domain/glue.example")[0] == 200
        assert rdap.get("domain/nothing.example")[0] == 404
        assert rdap.get("help")[0] == 200
    finally:
        rdap.stop()
    whois = WhoisServer(registry, counter=counter)
    try:
        assert "shop.cc" in whois.ask(b"shop.cc\r\n").lower()
    finally:
        whois.stop()
    assert counter.flush(registry) == 4


def test_epp_read_commands_are_counted_by_the_core(counted):
    world, alice = counted.world, counted.alice
    month = Month(world.clock.now().year, world.clock.now().month)
    world.registry.queries.flush(world.registry)
    before = {tld: world.registry.read(lambda s, tld=tld: activity(s, tld, month))
              for tld in ("example", "cc")}
    world.run(DomainCheck(("glue.example", "free.example", "new.cc")), alice)
    world.run(DomainInfoQuery("glue.example"), alice)
    world.registry.execute_batch([(DomainCheck(("a.example",)), alice, Trid.new()),
                                  (HostCheck(("ns.example.net",)), alice, Trid.new())])
    world.fails(2303, DomainInfoQuery("nothing.cc"), alice)  # answered, so counted
    world.run(DomainCreate("counted.min", Period(1), authinfo=STRONG), alice)  # no read
    world.registry.queries.flush(world.registry)
    after = {tld: world.registry.read(lambda s, tld=tld: activity(s, tld, month))
             for tld in ("example", "cc")}

    def grew(tld):
        return {f: after[tld][f] - before[tld][f] for f in READ_FIELDS.values()
                if after[tld][f] != before[tld][f]}
    assert grew("example") == {"srs-dom-check": 2, "srs-dom-info": 1, "srs-host-check": 1}
    assert grew("cc") == {"srs-dom-check": 1, "srs-dom-info": 1, "srs-host-check": 1}
