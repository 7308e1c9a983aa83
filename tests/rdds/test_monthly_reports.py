"""ICANN's monthly reports (Specification 3) from the history, the transfers and the state."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from registry.flows.domain_delete import DomainDelete
from registry.flows.domain_renew import DomainRenew
from registry.monthly_reports import (
    ACTIVITY_FIELDS,
    TRANSACTION_FIELDS,
    Month,
    NoSuchTld,
    activity,
    csv_text,
    transaction_values,
    transactions,
)
from registry.values import Period
from tests.rdds.rdds_world import BULK


@pytest.fixture(scope="module")
def january(registered):
    """The module's world, with a renewal, a delete in add grace and one after it."""
    world, alice = registered.world, registered.alice
    world.run(DomainRenew("glue.example", date(2027, 1, 15), Period(2)), alice)
    world.run(DomainDelete("bulk00.example"), alice)      # add grace: gone at once
    world.clock.advance(days=6)
    world.run(DomainDelete("bulk01.example"), alice)      # past it: redemption
    return registered


def read(registered, work):
    return registered.world.registry.read(work)


def test_per_registrar_transactions(january):
    rows = read(january, lambda s: transactions(s, "example", Month(2026, 1)))
    assert [r.name for r in rows] == ["alice", "bob"]
    alice = dict(zip(TRANSACTION_FIELDS, transaction_values(rows[0]), strict=True))
    assert alice["iana-id"] == 9999
    created = 3 + BULK  # glue, other, bücher and the bulk names, all for a year
    assert alice["net-adds-1-yr"] == created - 1  # bulk00 deleted in its add grace
    assert alice["attempted-adds"] == created
    assert alice["net-renews-2-yr"] == 1 and alice["net-renews-1-yr"] == 0
    assert alice["deleted-domains-grace"] == 1 and alice["deleted-domains-nograce"] == 1
    assert alice["total-domains"] == created - 1
    assert alice["total-nameservers"] == 1  # ns1.glue.example
    assert alice["transfer-disputed-won"] is None  # not recorded: empty, not zero
    bob = dict(zip(TRANSACTION_FIELDS, transaction_values(rows[1]), strict=True))
    assert bob["total-domains"] == 0 and bob["net-adds-1-yr"] == 0
    # nothing in February
    february = read(january, lambda s: transactions(s, "example", Month(2026, 2)))
    assert transaction_values(february[0])[4] == 0


def test_registry_functions_activity(january):
    values = read(january, lambda s: activity(s, "example", Month(2026, 1)))
    assert set(values) == set(ACTIVITY_FIELDS)
    assert values["operational-registrars"] == 2
    assert values["srs-dom-create"] == 3 + BULK
    assert values["srs-dom-renew"] == 1 and values["srs-dom-delete"] == 2
    assert values["srs-host-create"] == 2 and values["srs-cont-create"] == 3
    assert values["dns-udp-queries-received"] is None  # no PowerDNS watched: empty, not 0
    assert values["whois-43-queries"] == 0 and values["rdap-queries"] == 0  # none asked
    assert values["srs-dom-check"] == 0  # counted: none (tests/rdds/test_query_counts.py)


def test_csv_format_and_refusals(january):
    text = csv_text(("a", "b"), [["Totals", None], [1, 2]])
    assert text == "a,b\r\nTotals,\r\n1,2\r\n"
    assert list(csv.reader(io.StringIO(text)))[1] == ["Totals", ""]
    with pytest.raises(NoSuchTld):
        read(january, lambda s: activity(s, "nope", Month(2026, 1)))
    with pytest.raises(ValueError, match="YYYY-MM"):
        Month.parse("2026-13")
    assert str(Month.parse("2026-12")) == "202612" and Month(2026, 12).end.year == 2027
    assert Month.parse("2026-01").previous == Month(2025, 12) and Month(2026, 3).previous.iso \
        == "2026-02"
