"""Deposits sent to the escrow agent by SFTP, to an SFTP server on loopback: temporary name
then rename, what was sent recorded, a failed run finished by the next, nothing sent twice,
the agent's host key always checked."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import asyncssh
import pytest

from escrow.config import EscrowSettings
from escrow.upload import Destination, UploadError, pending, upload
from registry.config import ConfigError
from tests.rdds.sftp_agent import FailingOnce, SftpAgent

NOW = datetime(2026, 1, 15, 1, 2, 3, tzinfo=UTC)


@pytest.fixture
def agent(tmp_path):
    agent = SftpAgent(tmp_path / "agent")
    yield agent
    agent.stop()


def destination(agent: SftpAgent, **changes) -> Destination:
    values = dict(host="127.0.0.1", port=agent.port, user="registry", key=agent.client_key,
                  known_hosts=agent.known_hosts, directory="/inbox", timeout=30.0)
    return Destination(**{**values, **changes})


def deposit_files(out, stem: str) -> list[str]:
    out.mkdir(exist_ok=True)
    names = []
    for ext, data in ((".ryde", stem.encode() * 1000), (".sig", b"signature"),
                      (".rep", b"report")):
        (out / f"{stem}{ext}").write_bytes(data)
        names.append(f"{stem}{ext}")
    return names


def test_upload_sends_ryde_then_sig_and_records_them(agent, tmp_path, caplog):
    out = tmp_path / "deposits"
    first = deposit_files(out, "example_2026-01-14_full_S1_R0")
    second = deposit_files(out, "example_2026-01-15_diff_S1_R0")
    (out / "cc_2026-01-15_full_S1_R0.ryde").write_bytes(b"unsigned yet")  # waits for its .sig
    FailingOnce.fail_once = {"2026-01-15_diff_S1_R0.sig.part"}
    with pytest.raises(UploadError, match="disk full"):
        upload(destination(agent), out, lambda: NOW)
    assert "1 file(s) left for the next run" in caplog.text
    # what went before the failure is at the agent and recorded; the rest is still pending
    assert sorted(p.name for p in agent.inbox.iterdir()) == [*first[:2], second[0]]
    assert [p.name for p in pending(out)] == [second[1]]
    done = upload(destination(agent), out, lambda: NOW)
    assert done.sent == [second[1]] and done.present == []
    assert sorted(p.name for p in agent.inbox.iterdir()) == sorted([*first[:2], *second[:2]])
    assert (agent.inbox / first[0]).read_bytes() == (out / first[0]).read_bytes()
    state = json.loads((out / "state.json").read_text())
    assert state["_uploaded"][second[1]] == NOW.isoformat()
    # a run with nothing new sends nothing
    assert upload(destination(agent), out, lambda: NOW) == type(done)()


def test_a_run_cut_short_is_finished_without_sending_twice(agent, tmp_path):
    out = tmp_path / "deposits"
    names = deposit_files(out, "example_2026-01-15_full_S1_R0")
    # the previous run renamed the .ryde into place but stopped before recording it, and
    # left half a .sig under its temporary name
    (agent.inbox / names[0]).write_bytes((out / names[0]).read_bytes())
    (agent.inbox / f".{names[1]}.part").write_bytes(b"sig")
    # and a file of the same name but another size is replaced whole
    stale = "example_2026-01-14_full_S1_R0"
    deposit_files(out, stale)
    (agent.inbox / f"{stale}.ryde").write_bytes(b"truncated")
    done = upload(destination(agent), out, lambda: NOW)
    assert done.present == [names[0]]
    assert sorted(done.sent) == [f"{stale}.ryde", f"{stale}.sig", names[1]]
    assert (agent.inbox / f"{stale}.ryde").read_bytes() == (out / f"{stale}.ryde").read_bytes()
    assert (agent.inbox / names[1]).read_bytes() == b"signature"
    assert pending(out) == []


def test_the_agents_host_key_is_checked(agent, tmp_path):
    out = tmp_path / "deposits"
    deposit_files(out, "example_2026-01-15_full_S1_R0")
    impostor = tmp_path / "impostor_known_hosts"
    impostor.write_text(agent.known_hosts_line(asyncssh.generate_private_key("ssh-ed25519")))
    with pytest.raises(UploadError, match="host key"):
        upload(destination(agent, known_hosts=impostor), out, lambda: NOW)
    assert list(agent.inbox.iterdir()) == [] and len(pending(out)) == 2


def test_an_agent_down_leaves_everything_for_the_next_run(agent, tmp_path):
    out = tmp_path / "deposits"
    deposit_files(out, "example_2026-01-15_full_S1_R0")
    port = agent.port
    agent.stop()
    with pytest.raises(UploadError, match=f"127.0.0.1:{port}"):
        upload(destination(agent), out, lambda: NOW)
    assert len(pending(out)) == 2
    agent.__init__(tmp_path / "agent2")  # the agent back (elsewhere); the fixture stops it
    assert len(upload(destination(agent), out, lambda: NOW).sent) == 2


def test_settings_refuse_an_unchecked_host():
    with pytest.raises(ConfigError, match="sftp_known_hosts"):
        EscrowSettings(sftp_host="sftp.agent.example", sftp_user="r", sftp_key="k")
    assert Destination.from_settings(EscrowSettings(), lambda p: p) is None
