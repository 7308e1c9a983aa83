"""The escrow scheduler's monthly reports (escrow/monthly_upload.py): each gTLD's two reports
of the month just ended PUT to ICANN's Registry Reporting Interface (the HTTPS stand-in on
loopback, tests/rdds/icann_stand_in.py) from [icann] monthly_report_day on, by the
registry's injected clock; each once, recorded in state.json, and one not taken (refused,
or taken but unknown to ICANN's status query) sent again by the next run."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from escrow.config import IcannSettings
from escrow.icann_reports import ReportingInterface
from escrow.monthly_upload import MONTHLY_REPORTED, send_monthly_reports
from tests.rdds.icann_stand_in import IcannStandIn

DAY = 2
PATHS = {f"/report/{kind}/{tld}/2026-01"
         for kind in ("registrar-transactions", "registry-functions-activity")
         for tld in ("example", "min")}   # cc is a ccTLD: it reports to no one


@pytest.fixture
def icann(tmp_path):
    stand_in = IcannStandIn(tmp_path / "icann", {"example_ry": "s3cret", "min_ry": "s3cret"})
    yield stand_in
    stand_in.stop()


def test_the_month_just_ended_is_sent_once_from_its_day(registered, icann, tmp_path):
    world, out = registered.world, tmp_path / "deposits"
    interface = ReportingInterface.from_settings(
        IcannSettings(url=icann.url, password="s3cret", ca_file=str(icann.ca.cert)),
        lambda p: tmp_path / p)

    def run():
        return send_monthly_reports(interface, world.registry, out, DAY)

    world.clock.set(datetime(2026, 2, 1, 23, 59, tzinfo=UTC))  # the day before: nothing
    assert run().sent == [] and icann.received == {} and not out.exists()
    world.clock.set(datetime(2026, 2, 2, 0, 5, tzinfo=UTC))
    icann.fail_next, icann.lose_next = 1, 1   # one refused, one taken but then unknown
    first = run()
    assert len(first.failed) == 2 and len(first.sent) == 2
    assert "HTTP 500: result 2500" in first.failed[0]
    assert "HEAD " in first.failed[1] and "HTTP 404: ICANN has no such report" in \
        first.failed[1]
    state = json.loads((out / "state.json").read_text())[MONTHLY_REPORTED]
    assert sorted(state) == sorted(first.sent)
    second = run()   # a later run (or a restart): only the two not taken
    assert second.failed == [] and sorted(second.sent + first.sent) == sorted(
        f"{tld}-{kind}-202601-en.csv" for tld in ("example", "min")
        for kind in ("transactions", "activity"))
    assert set(icann.received) == PATHS
    for path, body in icann.received.items():
        kind, tld = path.split("/")[2:4]
        name = f"{tld}-{'transactions' if kind == 'registrar-transactions' else 'activity'}"
        assert (out / f"{name}-202601-en.csv").read_bytes() == body
    activity = icann.received["/report/registry-functions-activity/example/2026-01"]
    assert activity.startswith(b"operational-registrars,") and activity.endswith(b"\r\n")
    puts = len(icann.heads)
    world.clock.set(datetime(2026, 2, 20, tzinfo=UTC))
    assert run().sent == [] and len(icann.heads) == puts   # nothing sent twice
    # the next month's from its own day; 0 is never
    world.clock.set(datetime(2026, 3, 2, tzinfo=UTC))
    assert send_monthly_reports(interface, world.registry, out, 0).sent == []
    assert sorted(run().sent) == sorted(f"{tld}-{kind}-202602-en.csv"
                                        for tld in ("example", "min")
                                        for kind in ("transactions", "activity"))
