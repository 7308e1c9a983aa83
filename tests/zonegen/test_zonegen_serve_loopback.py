"""The whole sandbox sends nothing off loopback (issue #12 section 1): ``pyrar serve`` and
every process it runs (eppd and its workers, zone serve with its PowerDNS and the CDS scan,
the lifecycle scheduler, RDAP, WHOIS, the web site with its mail consumer) run under
``strace -f -e trace=network`` through a burst: EPP creates (external name servers, glue,
a DS), a hosted zone made and signed (``pyrar zone hosted``, traced too), zone serve's CDS scan
every second (resolving the name servers' names through its configured resolver), RDAP
and WHOIS lookups, a site registration whose mail goes out by SMTP. Every address any of
them connected or sent to must be 127.0.0.0/8 or ::1.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import tomllib
import urllib.request
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from network_trace import destinations, off_loopback
from zonegen_helpers import free_port, need_pdns

from tests.serve_stack import (
    EXIT_TIMEOUT,
    GLUE,
    PUBLISH_TIMEOUT,
    environment,
    make_sandbox,
    pyrar,
    serving,
)
from tests.waiting import wait_for

pytestmark = [pytest.mark.pdns, pytest.mark.slow, pytest.mark.strace]

EXTERNAL = ("ns1.dns-operator.net", "ns2.dns-operator.net")


def strace(output: Path) -> tuple[str, ...]:
    # seccomp-bpf: only the network calls stop the tracees (the rest runs at full speed)
    return ("strace", "-f", "-qq", "--seccomp-bpf", "-e", "trace=network", "-o", str(output))


class Mails:
    def __init__(self) -> None:
        self.recipients: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.recipients += envelope.rcpt_tos
        return "250 OK"


def configure(sandbox: Path, smtp_port: int, whois_port: int) -> dict:
    """SMTP for mail, WHOIS served, the CDS scan every second with the sandbox's own PowerDNS
    as its resolver (its [powerdns] table is the file's last)."""
    config = sandbox / "pyrar.toml"
    text = config.read_text()
    text = text.replace('transport = "maildir"', f'transport = "smtp"\nsmtp_host = "127.0.0.1"\n'
                                                  f'smtp_port = {smtp_port}\n'
                                                  'smtp_security = "none"')
    text = text.replace("serve = false\nport = 4343", f"serve = true\nport = {whois_port}")
    dns_port = tomllib.loads(text)["powerdns"]["port"]
    text += (f'cds_interval = 1\nschedule_interval = 1\ncds_hold_down = 0\n'
             f'outside_resolver = "127.0.0.1:{dns_port}"\noutside_port = {dns_port}\n'
             'outside_networks = ["127.0.0.0/8", "::1/128"]\n')
    config.write_text(text)
    parsed = tomllib.loads(text)
    assert parsed["mail"]["transport"] == "smtp" and parsed["whois"]["serve"]
    return parsed


def traced_cli(sandbox: Path, trace: Path, *args: str) -> str:
    out = subprocess.run([*strace(trace), *pyrar("--config", str(sandbox / "pyrar.toml"),
                                                 *args)],
                         env=environment(), capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def stop_traced(served) -> None:
    """SIGTERM to serve itself (strace's child), then strace ends once its tree has."""
    children = Path(f"/proc/{served.process.pid}/task/{served.process.pid}/children")
    for pid in children.read_text().split():
        os.kill(int(pid), 15)
    served.process.wait(EXIT_TIMEOUT)


@pytest.fixture
def smtp():
    handler = Mails()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def test_serve_and_a_burst_send_nothing_off_loopback(tmp_path, smtp) -> None:
    need_pdns()
    if not shutil.which("strace"):
        pytest.skip("strace is not installed (apt-get install strace; scripts/setup does)")
    mails, smtp_port = smtp
    sandbox = make_sandbox(tmp_path)
    config = configure(sandbox, smtp_port, free_port())
    traces = tmp_path / "traces"
    traces.mkdir()
    with serving(sandbox, wrapper=strace(traces / "serve")) as served:
        served.wait_ready()
        scans = served.log().count("CDS scan of example.")
        label = f"lo{secrets.token_hex(3)}"
        epp = served.epp()
        try:
            for host in EXTERNAL:
                assert epp.host.create(host).code() == 1000
            for i in range(4):
                assert epp.domain.create(f"{label}{i}.example", years=1, nameservers=[
                    *EXTERNAL], auth_info=secrets.token_urlsafe(24)).code() == 1000
            signed = f"{label}-signed.example"
            assert epp.domain.create(signed, years=1, nameservers=[*EXTERNAL],
                                     auth_info=secrets.token_urlsafe(24), sec_dns={
                                         "ds_data": [{"key_tag": 12345, "alg": 13,
                                                      "digest_type": 2,
                                                      "digest": "AB" * 32}]}).code() == 1000
            glued = f"{label}-glue.example"
            assert epp.domain.create(glued, years=1, auth_info=secrets.token_urlsafe(24)
                                     ).code() == 1000
            assert epp.host.create(f"ns1.{glued}", [GLUE]).code() == 1000
            assert epp.domain.update(glued, add={"ns": [f"ns1.{glued}"]}).code() == 1000
        finally:
            epp.logout()
            epp.disconnect()
        wait_for("the last delegation published", lambda: (
            reply := served.dns(glued, "NS")) is not None and reply.authority,
            PUBLISH_TIMEOUT, served.log)

        hosted = f"{label}-hosted.example"
        traced_cli(sandbox, traces / "hosted-add", "zone", "hosted", "add", hosted,
                   "--ns", EXTERNAL[0], "--record", "www 300 A 192.0.2.80")
        traced_cli(sandbox, traces / "hosted-sign", "zone", "hosted", "sign", hosted)
        # the signed delegation's name servers were looked up through the resolver (the
        # sandbox's PowerDNS, which knows no such names): nothing to ask, nothing sent
        wait_for("zone serve's CDS scan examined the signed delegation", lambda: (
            f"CDS of {signed}. not applied: no address to ask for any name server"
            in served.log() and served.log().count("CDS scan of example.") > scans),
            PUBLISH_TIMEOUT, served.log)

        rdap = config["rdap"]["port"]
        with urllib.request.urlopen(f"http://127.0.0.1:{rdap}/domain/{signed}",
                                    timeout=10) as reply:
            assert json.loads(reply.read())["ldhName"] == signed
        with socket.create_connection(("127.0.0.1", config["whois"]["port"]), 10) as whois:
            whois.sendall(b"nic.example\r\n")
            whois.recv(4096)
        email = f"{label}@example.net"
        request = urllib.request.Request(
            f"http://127.0.0.1:{config['registrar']['port']}/api/account", method="POST",
            data=json.dumps({"email": email, "password": secrets.token_urlsafe(16)}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert reply.status == 201
        wait_for("the verification mail reached the SMTP server", lambda: email in
                 mails.recipients, PUBLISH_TIMEOUT, served.log)
        stop_traced(served)

    sent = {name.name: destinations((traces / name).read_text()) for name in traces.iterdir()}
    assert ("connect", "127.0.0.1") in sent["serve"], "no connection traced: is strace working?"
    leaks = {name.name: off_loopback((traces / name).read_text()) for name in traces.iterdir()}
    assert leaks == {name: [] for name in leaks}, leaks
