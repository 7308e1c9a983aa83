"""EPP to live DNS through the real processes: ``pyrar init``, then ``pyrar zone serve`` and
``pyrar eppd`` as children; a domain made over EPP (TLS, client certificate) with an external
name server, its own name server with glue, and a DS must be answered by the sandbox's
PowerDNS as a correctly signed referral (NS and glue unsigned, DS signed), and one without a
DS with the NSEC3 opt-out proof. No timing beyond a generous wait: bench/epp_dns_latency.py
measures the latency."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from zonegen_helpers import free_port, need_pdns

from tests.databases import database_url
from tests.eppd.eppd_client import EPP, ClientCert, EppClient, client_context, result_code
from zonegen.model import Delegation
from zonegen.probe import DnsProbe, ProbeError, check_delegation
from zonegen.rectify import Denial

pytestmark = pytest.mark.pdns
PYRAR = Path(sys.executable).with_name("pyrar")
DOMAIN = "urn:ietf:params:xml:ns:domain-1.0"
HOST = "urn:ietf:params:xml:ns:host-1.0"
SECDNS = "urn:ietf:params:xml:ns:secDNS-1.1"
XMLNS = f'xmlns:domain="{DOMAIN}" xmlns:host="{HOST}" xmlns:secDNS="{SECDNS}"'
AUTHINFO = "Zonegen-Epp-2026!Str0ng-AuthInfo"
DS = (4242, 13, 2, "5A" * 32)
PUBLISHED_WITHIN = 15.0   # generous: the drainer polls every 0.1 s


@dataclass
class Stack:
    directory: Path
    probe: DnsProbe
    registrar: dict
    processes: list[subprocess.Popen]

    def logs(self) -> str:
        paths = [*sorted(self.directory.glob("*.log")), self.directory / "sb/powerdns/pdns.log"]
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                         for p in paths if p.exists())

    def diagnosis(self, name: str) -> str:
        return f"{self.logs()}\n--- the live answer\n{self.probe.query(name, 'NS')}"

    def epp(self) -> Session:
        r = self.registrar
        client = EppClient(r["host"], r["port"], client_context(
            Path(r["ca"]), ClientCert(Path(r["cert"]), Path(r["key"]))), timeout=30)
        session = Session(client)
        session.ok(f"<login><clID>{r['clid']}</clID><pw>{r['password']}</pw><options>"
                   "<version>1.0</version><lang>en</lang></options><svcs>"
                   f"<objURI>{DOMAIN}</objURI><objURI>{HOST}</objURI>"
                   f"<svcExtension><extURI>{SECDNS}</extURI></svcExtension></svcs></login>")
        return session


@dataclass
class Session:
    client: EppClient
    trid: int = 0

    def ok(self, body: str, extension: str = "") -> None:
        self.trid += 1
        ext = f"<extension>{extension}</extension>" if extension else ""
        frame = self.client.request(
            f'<epp xmlns="{EPP}" {XMLNS}><command>{body}{ext}<clTRID>zg-{self.trid}</clTRID>'
            "</command></epp>".encode())
        assert result_code(frame) == 1000, frame.decode()


def _wait(what: str, ready, stack: Stack, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        for p in stack.processes:
            assert p.poll() is None, f"{p.args} exited early\n{stack.logs()}"
        assert time.monotonic() < deadline, f"{what} not ready in {timeout} s\n{stack.logs()}"
        time.sleep(0.2)


def _zone_served(probe: DnsProbe) -> bool:
    try:
        probe.dnskeys("example.")
        return True
    except ProbeError:
        return False


def _epp_listening(registrar: dict) -> bool:
    try:
        EppClient(registrar["host"], registrar["port"], client_context(
            Path(registrar["ca"]), ClientCert(Path(registrar["cert"]), Path(registrar["key"]))),
                  timeout=2).close()
        return True
    except OSError:
        return False


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    need_pdns()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYRAR_")}
    with database_url(request.param, tmp_path, "pyrar_zg_epp") as url:
        dns_port = free_port()
        subprocess.run([str(PYRAR), "init", str(tmp_path / "sb"), "--db", url,
                        "--registrars", "1", "--epp-port", str(free_port()),
                        "--dns-port", str(dns_port), "--pdns-api-port", str(free_port())],
                       check=True, env=env, cwd=tmp_path, capture_output=True, timeout=120)
        config = tmp_path / "sb" / "pyrar.toml"
        registrar = json.loads((tmp_path / "sb" / "credentials.json").read_text())[
            "registrars"][0]
        processes = []
        for name, args in (("zone-serve", ("zone", "serve")),
                           ("eppd", ("eppd", "--workers", "1"))):
            with open(tmp_path / f"{name}.log", "wb") as log:
                processes.append(subprocess.Popen(
                    [str(PYRAR), "--config", str(config), *args], env=env, cwd=tmp_path,
                    stdout=log, stderr=subprocess.STDOUT))
        stack = Stack(tmp_path, DnsProbe("127.0.0.1", dns_port), registrar, processes)
        try:
            _wait("zone serve", lambda: _zone_served(stack.probe), stack)
            _wait("eppd", lambda: _epp_listening(registrar), stack)
            yield stack
        finally:
            for p in processes:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in processes:
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def _ds_xml(ds: tuple[int, int, int, str]) -> str:
    tag, alg, digest_type, digest = ds
    return (f"<secDNS:create><secDNS:dsData><secDNS:keyTag>{tag}</secDNS:keyTag>"
            f"<secDNS:alg>{alg}</secDNS:alg><secDNS:digestType>{digest_type}"
            f"</secDNS:digestType><secDNS:digest>{digest}</secDNS:digest></secDNS:dsData>"
            "</secDNS:create>")


def _create(epp: Session, name: str, nameservers: tuple[str, ...], extension: str = "") -> None:
    ns = "".join(f"<domain:hostObj>{h}</domain:hostObj>" for h in nameservers)
    epp.ok(f"<create><domain:create><domain:name>{name}</domain:name>"
           f'<domain:period unit="y">1</domain:period><domain:ns>{ns}</domain:ns>'
           f"<domain:authInfo><domain:pw>{AUTHINFO}</domain:pw></domain:authInfo>"
           "</domain:create></create>", extension)


def _published(stack: Stack, name: str, expected: Delegation) -> list[str]:
    """Faults of the live answer once it is right, or after PUBLISHED_WITHIN seconds."""
    keys = stack.probe.dnskeys("example.")
    denial = Denial.from_nsec3param(True, "1 1 0 -")   # the sandbox TLD's policy
    deadline = time.monotonic() + PUBLISHED_WITHIN
    while True:
        faults = check_delegation(stack.probe, "example.", denial, name, expected, keys)
        if not faults or time.monotonic() > deadline:
            return faults
        time.sleep(0.05)


def test_epp_create_with_glue_and_ds_is_answered_signed_live(stack: Stack) -> None:
    name, own_ns, external = "shop.example", "ns1.shop.example", "ns.dns-provider.net"
    epp = stack.epp()
    try:
        epp.ok(f"<create><host:create><host:name>{external}</host:name></host:create></create>")
        _create(epp, name, (external,), _ds_xml(DS))
        epp.ok(f"<create><host:create><host:name>{own_ns}</host:name>"
               '<host:addr ip="v4">192.0.2.53</host:addr><host:addr ip="v6">2001:db8::53'
               "</host:addr></host:create></create>")
        epp.ok(f"<update><domain:update><domain:name>{name}</domain:name><domain:add>"
               f"<domain:ns><domain:hostObj>{own_ns}</domain:hostObj></domain:ns></domain:add>"
               "</domain:update></update>")
        _create(epp, "plain.example", (external,))
    finally:
        epp.client.close()

    expected = Delegation(f"{name}.", (f"{external}.", f"{own_ns}."),
                          {f"{own_ns}.": ["192.0.2.53", "2001:db8::53"]},
                          (f"{DS[0]} {DS[1]} {DS[2]} {DS[3].lower()}",))
    assert _published(stack, name, expected) == [], stack.diagnosis(name)
    # no DS: the referral must carry the signed NSEC3 opt-out proof instead
    plain = Delegation("plain.example.", (f"{external}.",))
    assert _published(stack, "plain.example", plain) == [], stack.diagnosis("plain.example")
    # and the check is not vacuous: the referral is not what a wrong expectation would say
    wrong = Delegation(f"{name}.", (f"{external}.", f"{own_ns}."),
                       {f"{own_ns}.": ["192.0.2.54"]})
    assert check_delegation(stack.probe, "example.", Denial.from_nsec3param(True, "1 1 0 -"),
                            name, wrong, stack.probe.dnskeys("example.")) != []
