"""``pyrar serve`` end to end, as README's ``make run`` uses it: a sandbox from ``pyrar init``,
served by real processes (eppd and its workers, ``zone serve`` with its managed PowerDNS on
SQLite, the lifecycle scheduler). A registrar's EPP client (epptools, from PyPI) creates a
delegation with glue and PowerDNS answers it; a crashed component is restarted; SIGTERM,
Ctrl-C and SIGKILL of serve each leave no process behind.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import tomllib
import urllib.request
from pathlib import Path

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from tests.serve_stack import (
    EXIT_TIMEOUT,
    GLUE,
    PUBLISH_TIMEOUT,
    START_TIMEOUT,
    assert_all_gone,
    assert_full_tree,
    descendants,
    environment,
    make_sandbox,
    pyrar,
    refused,
    serving,
)
from tests.waiting import wait_for
from tests.zonegen.zonegen_helpers import need_pdns

pytestmark = [pytest.mark.pdns, pytest.mark.slow]


@pytest.fixture
def sandbox(tmp_path) -> Path:
    need_pdns()
    return make_sandbox(tmp_path)


def label() -> str:
    return f"srv{secrets.token_hex(4)}"


def test_serve_publishes_restarts_and_stops(sandbox):
    with serving(sandbox) as served:
        served.wait_ready()
        log = served.log()
        # announced once every component said it serves, not when eppd's port was bound
        # (its supervisor binds it before any worker can take a connection)
        for name in ("eppd", "zonegen", "lifecycle", "rdap"):
            assert log.index(f"serve INFO: {name} is ready") < log.index("PyRar is running")
        assert f"EPP on 127.0.0.1:{served.epp_port}" in log
        assert f"DNS on 127.0.0.1:{served.dns_port}" in log
        assert str(sandbox / "credentials.json") in log
        wait_for("lifecycle reported its first round",
                 lambda: "lifecycle: 0 domain(s)" in served.log(), START_TIMEOUT, served.log)

        # a delegation with glue, over EPP, as a registrar makes one
        domain = f"{label()}.example"
        other = f"{label()}.example"
        ns = f"ns1.{domain}"
        auth = secrets.token_urlsafe(24)
        epp = served.epp()
        try:
            assert epp.domain.create(domain, years=1, auth_info=auth).code() == 1000
            assert epp.host.create(ns, [GLUE]).code() == 1000
            assert epp.domain.update(domain, add={"ns": [ns]}).code() == 1000
            assert epp.domain.create(other, years=1, nameservers=[ns],
                                     auth_info=auth).code() == 1000
        finally:
            epp.disconnect()

        # RDAP publishes it, at the URL pyrar init recorded
        rdap_url = served.credentials["rdap"]["url"]
        assert f"RDAP on {rdap_url[len('http://'):-1]}" in log
        with urllib.request.urlopen(f"{rdap_url}domain/{domain}", timeout=10) as r:
            assert r.headers["Content-Type"] == "application/rdap+json"
            assert json.loads(r.read())["ldhName"] == domain

        def delegated(name: str) -> dns.message.Message | None:
            reply = served.dns(name, "NS")
            if reply is None or reply.rcode() != dns.rcode.NOERROR:
                return None
            ns_sets = [r for r in reply.authority if r.rdtype == dns.rdatatype.NS]
            return reply if ns_sets and ns_sets[0].name.to_text() == f"{name}." else None

        for name in (domain, other):
            reply = wait_for(f"PowerDNS delegates {name}", lambda n=name: delegated(n),
                             PUBLISH_TIMEOUT, served.log)
            assert not reply.flags & dns.flags.AA  # a referral, not an answer
            ns_set = next(r for r in reply.authority if r.rdtype == dns.rdatatype.NS)
            assert [r.target.to_text() for r in ns_set] == [f"{ns}."]
            glue = [r for r in reply.additional if r.rdtype == dns.rdatatype.A]
            assert [(g.name.to_text(), [a.address for a in g]) for g in glue] == \
                [(f"{ns}.", [GLUE])]

        # eppd crashes (SIGKILL, so it cannot stop its worker): serve starts it again, and
        # the crashed one's worker does not stay behind on the shared port
        [eppd] = served.eppd()
        old_workers = [p for p in descendants(eppd.pid) if "spawn_main" in p.cmdline]
        assert old_workers
        os.kill(eppd.pid, signal.SIGKILL)
        assert_all_gone([eppd, *old_workers], served.log)
        wait_for("serve started eppd again",
                 lambda: [p for p in served.eppd() if p.pid != eppd.pid],
                 START_TIMEOUT, served.log)
        assert f"eppd (pid {eppd.pid}) exited with status -9" in served.log()
        wait_for("EPP answers again", served.epp_answers, START_TIMEOUT, served.log)
        epp = served.epp()
        try:
            assert epp.domain.info(domain).code() == 1000
        finally:
            epp.disconnect()
        assert served.process.poll() is None

        # SIGTERM: serve stops every component and exits 0
        procs = served.tree()
        assert_full_tree(procs)
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(EXIT_TIMEOUT) == 0
        assert_all_gone(procs, served.log)
        log = served.log()
        assert "SIGTERM: stopping every component" in log and log.rstrip().endswith("stopped")
        assert "Traceback" not in log, log
        for port in (served.epp_port, served.dns_port, served.api_port):
            assert refused(port), port


def test_ctrl_c_stops_everything_cleanly(sandbox):
    """Ctrl-C in a terminal signals the whole foreground process group at once."""
    with serving(sandbox) as served:
        served.wait_ready()
        procs = served.tree()
        assert_full_tree(procs)
        os.killpg(served.process.pid, signal.SIGINT)
        assert served.process.wait(EXIT_TIMEOUT) == 0
        assert_all_gone(procs, served.log)
        log = served.log()
        assert "SIGINT: stopping every component" in log
        assert "Traceback" not in log and "exited with status" not in log, log


def test_children_die_with_a_killed_serve(sandbox):
    with serving(sandbox) as served:
        served.wait_ready()
        procs = served.tree()
        assert_full_tree(procs)
        served.process.kill()
        assert served.process.wait(EXIT_TIMEOUT) == -signal.SIGKILL
        assert_all_gone(procs, served.log)
        for port in (served.epp_port, served.dns_port, served.api_port):
            assert refused(port), port

    # and the sandbox serves again afterwards, with the zones PowerDNS kept
    with serving(sandbox, "serve-again") as served:
        served.wait_ready()


def test_taken_port_is_refused_before_anything_starts(sandbox):
    epp_port = tomllib.loads((sandbox / "pyrar.toml").read_text())["eppd"]["port"]
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", epp_port))
        squatter.listen()
        proc = subprocess.run(pyrar("--config", str(sandbox / "pyrar.toml"), "serve"),
                              env=environment(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"pyrar: error: already in use: 127.0.0.1:{epp_port} (EPP")
    assert len(proc.stderr.splitlines()) == 1
    assert not (sandbox / "powerdns" / "pdns.conf").exists()  # zone serve never ran
