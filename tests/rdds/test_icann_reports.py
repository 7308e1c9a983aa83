"""RDE reports and monthly reports PUT to ICANN's Registry Reporting Interface, here a
stand-in on loopback over HTTPS (tests/rdds/icann_stand_in.py): the TLD's account, each
report once, a failure left for the next run, the certificate checked. RDE reports are
validated by the stand-in against rde-report.xsd in ../shared/reference (without it, they
are checked for their id and TLD only, and the test says so)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from escrow.config import IcannSettings
from escrow.deposit import report
from escrow.deposit_xml import Envelope, uri
from escrow.icann_reports import ReportingInterface, ReportNotTaken, send_escrow_reports
from escrow.upload import UPLOADED
from escrow.verify import rde_schema
from registry.config import ConfigError
from tests.rdds.icann_stand_in import IcannStandIn
from tests.rdds.test_escrow import EPP_XSD, RDE_XSD

NOW = datetime(2026, 1, 15, 1, 2, 3, tzinfo=UTC)


@pytest.fixture
def icann(tmp_path):
    schema = (rde_schema(RDE_XSD, EPP_XSD) if (RDE_XSD / "rde-report.xsd").is_file()
              and (EPP_XSD / "epp-1.0.xsd").is_file() else None)
    if schema is None:
        print(f"RDE schemas not at {RDE_XSD}: reports not validated by the stand-in")
    stand_in = IcannStandIn(tmp_path / "icann", {"example_ry": "s3cret", "cc_ry": "other"},
                            schema)
    yield stand_in
    stand_in.stop()


def interface(icann: IcannStandIn, tmp_path, **changes) -> ReportingInterface:
    settings = IcannSettings(**{"url": icann.url, "password": "s3cret",
                                "ca_file": str(icann.ca.cert), **changes})
    return ReportingInterface.from_settings(settings, lambda p: tmp_path / p)


def rep(out, tld: str, day: str, kind: str = "FULL") -> str:
    """A deposit's report as make_deposit writes it."""
    watermark = datetime.fromisoformat(f"{day}T00:00:00+00:00")
    deposit_id = f"{day.replace('-', '')}{kind[0]}0"
    name = f"{tld}_{day}_{kind.lower()}_S1_R0"
    counts = Counter({uri("rdeDomain"): 3, uri("rdeEppParams"): 1})
    (out / f"{name}.rep").write_bytes(report(Envelope(tld, kind, deposit_id, watermark),
                                             counts))
    return name


def test_rde_reports_are_put_once_each(icann, tmp_path):
    out = tmp_path / "deposits"
    out.mkdir()
    first, second = rep(out, "example", "2026-01-14"), rep(out, "example", "2026-01-15", "DIFF")
    wrong = interface(icann, tmp_path, password="guess")
    done = send_escrow_reports(wrong, out, lambda: NOW, after_upload=False)
    assert done.sent == [] and len(done.failed) == 2 and "HTTP 401" in done.failed[0]
    assert not (out / "state.json").exists()  # nothing recorded: the next run sends them
    icann.fail_next = 1
    done = send_escrow_reports(interface(icann, tmp_path), out, lambda: NOW,
                               after_upload=False)
    assert done.failed == [f"{first}.rep: PUT {icann.url}/report/registry-escrow-report/"
                           "example/20260114F0: HTTP 500: result 2500 Internal server "
                           "error, try again later"]
    assert done.sent == [f"{second}.rep"]
    done = send_escrow_reports(interface(icann, tmp_path), out, lambda: NOW,
                               after_upload=False)
    assert done.sent == [f"{first}.rep"] and done.failed == []
    assert icann.received == {
        "/report/registry-escrow-report/example/20260114F0": (out / f"{first}.rep").read_bytes(),
        "/report/registry-escrow-report/example/20260115D0": (out / f"{second}.rep").read_bytes()}
    state = json.loads((out / "state.json").read_text())
    assert set(state["_reported"]) == {f"{first}.rep", f"{second}.rep"}
    again = send_escrow_reports(interface(icann, tmp_path), out, lambda: NOW,
                                after_upload=False)
    assert again.sent == again.failed == [] and len(icann.received) == 2


def test_a_report_waits_for_its_deposit_to_reach_the_agent(icann, tmp_path):
    out = tmp_path / "deposits"
    out.mkdir()
    name = rep(out, "example", "2026-01-15")
    for ext in (".ryde", ".sig"):
        (out / f"{name}{ext}").write_bytes(b"deposit")
    done = send_escrow_reports(interface(icann, tmp_path), out, lambda: NOW,
                               after_upload=True)
    assert done.waiting == [f"{name}.rep"] and icann.received == {}
    (out / "state.json").write_text(json.dumps({UPLOADED: {f"{name}.ryde": "x",
                                                            f"{name}.sig": "x"}}))
    done = send_escrow_reports(interface(icann, tmp_path), out, lambda: NOW,
                               after_upload=True)
    assert done.sent == [f"{name}.rep"]


def test_each_tld_its_own_account_and_the_certificate_checked(icann, tmp_path):
    passwords = tmp_path / "icann-passwords"
    passwords.write_text("# ICANN's accounts\nexample s3cret\ncc other\n")
    rri = interface(icann, tmp_path, password="", passwords_file="icann-passwords")
    rri.put_monthly_report("cc", "activity", "2026-01", "operational-registrars,x\r\n1,2\r\n")
    rri.put_monthly_report("example", "transactions", "2026-01", "registrar-name,x\r\n")
    assert set(icann.received) == {"/report/registry-functions-activity/cc/2026-01",
                                   "/report/registrar-transactions/example/2026-01"}
    # each PUT confirmed by ICANN's status of the report, with the same account
    assert icann.heads == [("/info/report/registry-functions-activity/cc/2026-01", 200),
                           ("/info/report/registrar-transactions/example/2026-01", 200)]
    with pytest.raises(ReportNotTaken, match=r"no password for \.min's"):
        rri.put_monthly_report("min", "activity", "2026-01", "operational-registrars\r\n")
    with pytest.raises(ReportNotTaken, match="HTTP 400: result 2001 the CSV does not start"):
        rri.put_monthly_report("cc", "transactions", "2026-01", "nonsense\r\n")
    # the system's roots do not know the stand-in's CA: nothing is sent
    untrusted = interface(icann, tmp_path, ca_file="")
    with pytest.raises(ReportNotTaken, match="CERTIFICATE_VERIFY_FAILED"):
        untrusted.put_monthly_report("example", "activity", "2026-01",
                                     "operational-registrars\r\n")
    passwords.write_text("example\n")
    with pytest.raises(ConfigError, match=r"passwords_file: .* expected 'TLD PASSWORD'"):
        interface(icann, tmp_path, passwords_file="icann-passwords")
    with pytest.raises(ConfigError, match="monthly_report_day must be 1 to 20"):
        IcannSettings(monthly_report_day=21)
    with pytest.raises(ConfigError, match="must be https"):
        IcannSettings(url="http://ry-api.test")
    assert ReportingInterface.from_settings(IcannSettings(), lambda p: tmp_path / p) is None
