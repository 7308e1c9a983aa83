"""``pyrar escrow`` and ``pyrar report`` on a sandbox, as an operator and an escrow agent run
them: 'pyrar init' makes the keys, a deposit is made and verified with the agent's secret
key; the monthly reports are written as CSV."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta

import pytest

from tests.rdds.icann_stand_in import IcannStandIn
from tests.rdds.sftp_agent import SftpAgent
from tests.rdds.test_escrow import EPP_XSD, RDE_XSD
from tests.serve_stack import environment, make_sandbox, pyrar


def run(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(pyrar(*args), capture_output=True, text=True, env=environment(),
                          cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    return make_sandbox(tmp_path_factory.mktemp("rdds"))


def test_monthly_reports_from_the_command_line(sandbox, tmp_path):
    month = datetime.now(UTC).strftime("%Y-%m")
    made = run("--config", str(sandbox / "pyrar.toml"), "report", "monthly", "example", month,
               "--out", str(tmp_path), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    stamp = month.replace("-", "")
    rows = list(csv.reader((tmp_path / f"example-transactions-{stamp}-en.csv").open()))
    assert rows[0][:3] == ["registrar-name", "iana-id", "total-domains"]
    assert [r[0] for r in rows[1:]] == ["Sandbox registrar1", "Sandbox registrar2",
                                       "The sandbox's registrar site", "Totals"]
    assert rows[-1][1] == "" and rows[-1][2] == "0"
    activity = list(csv.reader((tmp_path / f"example-activity-{stamp}-en.csv").open()))
    assert activity[1][0] == "3"  # operational registrars: the two and the house registrar
    bad = run("--config", str(sandbox / "pyrar.toml"), "report", "monthly", "example",
              "2026-13", cwd=tmp_path)
    assert bad.returncode == 1 and bad.stderr == \
        "pyrar: error: '2026-13' is not a month (YYYY-MM)\n"


def test_deposit_and_verify_from_the_command_line(sandbox, tmp_path):
    if not (RDE_XSD / "rde.xsd").is_file():
        pytest.skip(f"the RDE schemas are not at {RDE_XSD}: verify cannot validate")
    config = str(sandbox / "pyrar.toml")
    made = run("--config", config, "escrow", "deposit", "example", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("FULL deposit ")
    ryde = next((sandbox / "escrow" / "deposits").glob("example_*_full_S1_R0.ryde"))
    escrow = sandbox / "escrow"
    verify = ("--config", config, "escrow", "verify", str(ryde), "--key",
              str(escrow / "agent-secret.asc"), "--signer", str(escrow / "registry-public.asc"),
              "--rde-xsd", str(RDE_XSD), "--epp-xsd", str(EPP_XSD))
    checked = run(*verify, cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{ryde.name}: ok (1 rdeEppParams-1.0, " in checked.stdout
    assert "3 rdeRegistrar-1.0)" in checked.stdout
    # a signature from another deposit does not fit
    again = run("--config", config, "escrow", "deposit", "example", cwd=tmp_path)
    assert again.returncode == 0 and "_full_S1_R1.ryde" in again.stdout
    resent = ryde.with_name(ryde.name.replace("_R0", "_R1"))
    ryde.with_suffix(".sig").write_bytes(resent.with_suffix(".sig").read_bytes())
    checked = run(*verify, cwd=tmp_path)
    assert checked.returncode == 1 and "FAILED" in checked.stdout and "signature:" in \
        checked.stdout
    # a deposit split into parts is verified whole from any of them
    split = subprocess.run(pyrar("--config", config, "escrow", "deposit", "example", "--out",
                                 str(tmp_path / "split")), capture_output=True, text=True,
                           env={**environment(), "PYRAR_ESCROW_SPLIT_BYTES": "600"},
                           cwd=tmp_path, timeout=120)
    assert split.returncode == 0, split.stderr
    parts = sorted((tmp_path / "split").glob("example_*_full_S*_R0.ryde"))
    assert len(parts) >= 2
    checked = run(*verify[:4], str(parts[-1]), *verify[5:], cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith(f"{parts[0].name} ({len(parts)} parts): ok (")
    refused = run("--config", config, "escrow", "deposit", "nope", cwd=tmp_path)
    assert refused.returncode == 1
    assert refused.stderr == "pyrar: error: TLD nope does not exist\n"


def icann_environment(icann: IcannStandIn) -> dict[str, str]:
    """[icann] by environment: the password too (never written in the configuration)."""
    return {"PYRAR_ICANN_URL": icann.url, "PYRAR_ICANN_PASSWORD": "s3cret",
            "PYRAR_ICANN_CA_FILE": str(icann.ca.cert)}


def test_monthly_reports_uploaded_to_icann(sandbox, tmp_path):
    icann = IcannStandIn(tmp_path / "icann", {"example_ry": "s3cret"})
    try:
        config = str(sandbox / "pyrar.toml")
        month = datetime.now(UTC).strftime("%Y-%m")
        env = {**environment(), **icann_environment(icann)}
        ran = subprocess.run(pyrar("--config", config, "report", "monthly", "example", month,
                                   "--out", str(tmp_path), "--upload"), capture_output=True,
                             text=True, env=env, cwd=tmp_path, timeout=120)
        assert ran.returncode == 0, ran.stderr
        assert f"activity report for {month} taken by ICANN" in ran.stdout
        stamp = month.replace("-", "")
        assert icann.received == {
            f"/report/registrar-transactions/example/{month}":
                (tmp_path / f"example-transactions-{stamp}-en.csv").read_bytes(),
            f"/report/registry-functions-activity/example/{month}":
                (tmp_path / f"example-activity-{stamp}-en.csv").read_bytes()}
        refused = subprocess.run(
            pyrar("--config", config, "report", "monthly", "example", month, "--out",
                  str(tmp_path), "--upload"), capture_output=True, text=True,
            env={**env, "PYRAR_ICANN_PASSWORD": "wrong"}, cwd=tmp_path, timeout=120)
        assert refused.returncode == 1
        assert refused.stderr.startswith("pyrar: error: the transactions report was not "
                                         "taken by ICANN: PUT ") and "HTTP 401" in refused.stderr
        assert "wrong" not in refused.stderr + refused.stdout
    finally:
        icann.stop()
    unset = run("--config", config, "report", "monthly", "example", month, "--upload",
                cwd=tmp_path)
    assert unset.returncode == 1 and "[icann] url is not set" in unset.stderr


def test_scheduled_run_uploads_to_the_agent(sandbox, tmp_path):
    agent = SftpAgent(tmp_path / "agent")
    icann = IcannStandIn(tmp_path / "icann", {"example_ry": "s3cret", "test_ry": "s3cret"})
    try:
        out = tmp_path / "deposits"
        env = {**environment(), "PYRAR_ESCROW_SFTP_HOST": "127.0.0.1",
               "PYRAR_ESCROW_SFTP_PORT": str(agent.port), "PYRAR_ESCROW_SFTP_USER": "registry",
               "PYRAR_ESCROW_SFTP_KEY": str(agent.client_key),
               "PYRAR_ESCROW_SFTP_KNOWN_HOSTS": str(agent.known_hosts),
               "PYRAR_ESCROW_SFTP_DIR": "/inbox", "PYRAR_ESCROW_OUT_DIR": str(out),
               "PYRAR_ICANN_MONTHLY_REPORT_DAY": "1", **icann_environment(icann)}
        config = str(sandbox / "pyrar.toml")
        # .example existed last month: its monthly reports are due (any day from the 1st)
        with sqlite3.connect(sandbox / "pyrar.sqlite3") as db:
            db.execute("UPDATE tlds SET created_at = '2020-01-01 00:00:00.000000' "
                       "WHERE name = 'example'")
        ran = subprocess.run(pyrar("--config", config, "escrow", "run"), capture_output=True,
                             text=True, env=env, cwd=tmp_path, timeout=120)
        assert ran.returncode == 0, ran.stderr
        last = (datetime.now(UTC).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        stamp = last.replace("-", "")
        for kind, name in (("registrar-transactions", "transactions"),
                           ("registry-functions-activity", "activity")):
            assert icann.received.pop(f"/report/{kind}/example/{last}") == \
                (out / f"example-{name}-{stamp}-en.csv").read_bytes()
        assert f"reported example-activity-{stamp}-en.csv" in ran.stdout
        sent = sorted(p.name for p in agent.inbox.iterdir())
        assert sent and sorted(p.name for p in out.glob("*.ryde")) == sent[::2]
        assert all(name.endswith((".ryde", ".sig")) for name in sent)
        # each deposit's report, once it reached the agent, went to ICANN
        reports = sorted(out.glob("*.rep"))
        assert sorted(icann.received.values()) == sorted(p.read_bytes() for p in reports)
        assert icann.refused == []
        reported = subprocess.run(pyrar("--config", config, "escrow", "report"),
                                  capture_output=True, text=True, env=env, cwd=tmp_path,
                                  timeout=120)
        assert reported.returncode == 0 and reported.stdout == "", reported.stderr
        rerun = subprocess.run(pyrar("--config", config, "escrow", "run"),
                               capture_output=True, text=True, env=env, cwd=tmp_path,
                               timeout=120)
        assert rerun.returncode == 0 and "reported" not in rerun.stdout, rerun.stderr
        assert not any("/registrar-transactions/" in p for p in icann.received)  # not again
        again = subprocess.run(pyrar("--config", config, "escrow", "upload"),
                               capture_output=True, text=True, env=env, cwd=tmp_path,
                               timeout=120)
        assert again.returncode == 0 and again.stdout == "", again.stderr
    finally:
        agent.stop()
        icann.stop()
    down = subprocess.run(pyrar("--config", config, "escrow", "upload"), capture_output=True,
                          text=True, env={**env, "PYRAR_ESCROW_SFTP_DIR": "/nowhere"},
                          cwd=tmp_path, timeout=120)
    assert down.returncode == 0  # nothing pending: the agent is not even asked
    unset = run("--config", config, "escrow", "upload", cwd=tmp_path)
    assert unset.returncode == 1 and "[escrow] sftp_host is not set" in unset.stderr
