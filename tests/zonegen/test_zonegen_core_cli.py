"""``pyrar zone sync|verify|export|ds|config`` through the real command line, on a sandbox
made by ``pyrar init`` (its own ports), with the data put in by core flows."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from zonegen_helpers import free_port, need_pdns

from pyrar.cli.main import main
from registry.config import Config
from registry.flows.context import Actor
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_update import DomainUpdate
from registry.flows.host_create import HostCreate
from registry.models import Event, Registrar
from registry.service import Registry
from registry.values import DsData, HostAddress
from tests.cli_outcomes import Outcome, refused, sandbox_dump
from tests.core.world import STRONG
from zonegen.config import PowerDnsSettings
from zonegen.pdnsdb import PdnsDb
from zonegen.probe import DnsProbe
from zonegen.server import ManagedPowerDns

pytestmark = pytest.mark.pdns
PYRAR = Path(sys.executable).with_name("pyrar")
DS = DsData(4242, 13, 2, "5A" * 32)


@dataclass
class Sandbox:
    directory: Path
    capsys: pytest.CaptureFixture

    @property
    def config_path(self) -> Path:
        return self.directory / "pyrar.toml"

    @property
    def config(self) -> Config:
        return Config.load(self.config_path, environ={})

    @property
    def settings(self) -> PowerDnsSettings:
        return self.config.section("powerdns", PowerDnsSettings)

    def __call__(self, *args: str) -> Outcome:
        self.capsys.readouterr()
        status = main(["--config", str(self.config_path), *map(str, args)])
        captured = self.capsys.readouterr()
        return Outcome(status, captured.out, captured.err)

    def ok(self, *args: str) -> Outcome:
        outcome = self(*args)
        assert outcome.status == 0, outcome
        return outcome

    def fails(self, *args: str) -> str:
        return refused(self, self.directory, *args)

    def dump(self) -> dict:
        return sandbox_dump(self.directory)

    def server(self) -> ManagedPowerDns:
        return ManagedPowerDns(self.settings, self.config.base_dir)

    def probe(self) -> DnsProbe:
        return DnsProbe("127.0.0.1", self.settings.port)


@pytest.fixture
def sandbox(tmp_path, capsys, monkeypatch) -> Sandbox:
    need_pdns()
    for var in ("PYRAR_CONFIG", "PYRAR_DB_URL", "PYRAR_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    directory = tmp_path / "sandbox"
    assert main(["init", str(directory), "--tld", "example", "--epp-port", str(free_port()),
                 "--dns-port", str(free_port()), "--pdns-api-port", str(free_port())]) == 0
    return Sandbox(directory, capsys)


@pytest.fixture
def running(sandbox):
    """The sandbox's managed PowerDNS, started by the test (commands then use it)."""
    server = sandbox.server()
    server.start()
    yield server
    server.stop()


class Core:
    """The sandbox's registry, driven by core flows as registrar1."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.registry = Registry.from_config(sandbox.config)
        rid = self.registry.run(lambda ctx: ctx.session.scalar(
            select(Registrar.id).where(Registrar.clid == "registrar1")))
        self.actor = Actor.registrar(rid, "registrar1")

    def run(self, command) -> None:
        self.registry.execute(command, self.actor)

    def outbox(self) -> list[tuple[str, str]]:
        return self.registry.run(lambda ctx: [(p["zone"], p["owner"]) for p in ctx.session.scalars(
            select(Event.payload).where(Event.consumer == "dns").order_by(Event.id))])

    def close(self) -> None:
        self.registry.close()


@pytest.fixture
def core(sandbox):
    c = Core(sandbox)
    yield c
    c.close()


def _populate(core: Core) -> None:
    core.run(HostCreate("ns1.provider.net"))
    core.run(DomainCreate("alpha.example", nameservers=("ns1.provider.net",), authinfo=STRONG))
    core.run(DomainCreate("beta.example", authinfo=STRONG, ds_data=(DS,)))
    core.run(HostCreate("ns1.beta.example", (HostAddress("192.0.2.10"),
                                             HostAddress("2001:db8::10", "v6"))))
    core.run(DomainUpdate("beta.example", add_nameservers=("ns1.beta.example",)))
    core.run(DomainCreate("held.example", nameservers=("ns1.provider.net",), authinfo=STRONG))
    core.run(DomainUpdate("held.example", add_statuses=("clientHold",)))


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 0.5):
            return True
    except OSError:
        return False


def _dsfromkey(dnskey: str, digest: str) -> str:
    proc = subprocess.run(["dnssec-dsfromkey", "-a", digest, "-f", "-", "example."],
                          input=f"example. 3600 IN DNSKEY {dnskey}\n", capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    fields = proc.stdout.split()
    i = fields.index("DS")
    return " ".join([*fields[i + 1:i + 4], "".join(fields[i + 4:]).lower()])


def test_sync_without_a_running_server_starts_and_stops_its_own(sandbox, core) -> None:
    _populate(core)
    out = sandbox.ok("zone", "sync", "example", "--quiet").out
    assert out.startswith("example.: 2 delegations,") and "changed +" in out
    assert not _port_open(sandbox.settings.webserver_port)     # its server is gone again
    assert (sandbox.directory / "powerdns" / "pdns.sqlite3").exists()
    assert not (sandbox.directory / "powerdns" / "run" / "pyrar-owner").exists()


def test_zone_commands_on_a_sandbox(sandbox, core, running, tmp_path) -> None:
    # pyrar init published the sandbox TLD: its settings are in the outbox for zonegen
    assert core.outbox() == [("example", "example")]
    _populate(core)
    out = sandbox.ok("zone", "sync", "example")
    assert "example.: 2 delegations" in out.out and "load: 2/2" in out.err
    assert "would change +0 -0" in sandbox.ok("zone", "sync", "example", "--dry-run").out

    verify = sandbox.ok("zone", "verify", "example").out
    for part in ("example.: ", " OK", "ok    dnssec-verify", "ok    ldns-verify-zone",
                 "live answers: 3/3 as expected", "delv example. SOA: fully validated",
                 "delv beta.example. DS: fully validated"):
        assert part in verify, verify

    # a change the core made but nobody published: verify says so, sync repairs it
    core.run(DomainCreate("gamma.example", nameservers=("ns1.provider.net",),
                          authinfo=STRONG))
    bad = sandbox("zone", "verify", "example", "--sample", "100")
    assert bad.status == 1 and "FAULT gamma.example.: no NS in the referral" in bad.out
    assert "changed +1 -0" in sandbox.ok("zone", "sync", "example", "--quiet").out
    assert "OK" in sandbox.ok("zone", "verify", "example", "--sample", "100").out

    zonefile = tmp_path / "example.zone"
    err = sandbox.ok("zone", "export", "example", "-o", zonefile).err
    assert f"records written to {zonefile}" in err
    signed = zonefile.read_text().replace("\t", " ")
    assert " RRSIG " in signed and " NSEC3 " in signed and "held.example." not in signed
    unsigned = sandbox.ok("zone", "export", "example", "--unsigned").out
    assert "beta.example.\t3600\tIN\tDS\t4242 13 2 " + "5a" * 32 in unsigned
    assert "ns1.beta.example.\t3600\tIN\tAAAA\t2001:db8::10" in unsigned
    assert "RRSIG" not in unsigned and "held.example" not in unsigned

    lines = sandbox.ok("zone", "ds", "example", "--digest", "2", "--digest", "4"
                       ).out.splitlines()
    ds = [line.split(" IN DS ")[1] for line in lines if " IN DS " in line]
    dnskey = [line.split(" IN DNSKEY ")[1] for line in lines if " IN DNSKEY " in line]
    assert len(ds) == 2 and len(dnskey) == 1 and dnskey[0].startswith("257 3 13 ")
    assert sorted(ds) == sorted([_dsfromkey(dnskey[0], "SHA-256"),
                                 _dsfromkey(dnskey[0], "SHA-384")])
    live = sandbox.probe().dnskeys("example.")                   # the key PowerDNS signs with
    assert dnskey[0].replace(" ", "") in [r.to_text().replace(" ", "") for r in live]

    # a name server inside a registered domain could not be served: refused
    line = sandbox.fails("zone", "config", "example", "--ns", "ns1.x.beta.example=192.0.2.1")
    assert "inside the registered domain beta.example" in line

    # the operator changes the apex name servers and the denial: sync applies both
    done = sandbox.ok("zone", "config", "example", "--ns", "a.nic.example=192.0.2.53",
                      "--ns", "b.nic.example=192.0.2.54,2001:db8::54", "--dnssec", "nsec")
    assert "DNS settings stored" in done.out
    assert core.outbox()[-1] == ("example", "example")
    sandbox.ok("zone", "sync", "example", "--quiet")
    reply = sandbox.probe().query("example.", "NS", dnssec=False)
    assert sorted(r.target.to_text() for r in reply.answer[0]) == [
        "a.nic.example.", "b.nic.example."]
    db = PdnsDb.open(sandbox.settings, sandbox.config.base_dir)
    try:
        assert not db.domain("example.").denial.nsec3
    finally:
        db.close()
    verify = sandbox.ok("zone", "verify", "example", "--sample", "100").out
    assert "ok    dnssec-verify" in verify and "live answers: 4/4 as expected" in verify


@pytest.mark.parametrize("args", [
    ("zone", "sync", "nosuch"),
    ("zone", "sync", "a..b"),
    ("zone", "verify", "nosuch"),
    ("zone", "export", "nosuch"),
    ("zone", "export", "example", "-o", "/nonexistent/dir/zone"),
    ("zone", "ds", "nosuch"),
    ("zone", "ds", "bad name!"),
    ("zone", "config", "nosuch", "--ns", "ns1.example.net"),
    ("zone", "config", "a..b", "--ns", "ns1.example.net"),
    ("zone", "config", "example", "--ns", "ns1.nic.example"),            # in-zone, no address
    ("zone", "config", "example", "--ns", "ns1.nic.example=999.1.1.1"),
    ("zone", "config", "example", "--ns", "bad name!"),
    ("zone", "config", "example", "--ns", "ns1.example.net", "--algorithm", "FOO"),
    ("zone", "config", "example", "--ns", "ns1.example.net=192.0.2.1"),  # out-of-zone glue
], ids=lambda a: " ".join(a))
def test_bad_input_is_one_line_exit_1(sandbox, running, args) -> None:
    sandbox.ok("zone", "sync", "example", "--quiet")                     # "example" exists
    sandbox.fails(*args)


def _without_default_tld_nameservers(sandbox: Sandbox) -> None:
    text = sandbox.config_path.read_text()
    assert "tld_nameservers" in text
    sandbox.config_path.write_text("\n".join(
        line for line in text.splitlines() if not line.startswith("tld_nameservers")))


def test_a_new_tld_is_published_in_one_step(sandbox, core, running) -> None:
    out = sandbox.ok("tld", "add", "other").out
    assert "zonegen publishes it with name servers ns1.nic.other\n" in out
    assert core.outbox()[-1] == ("other", "other")
    sandbox.ok("zone", "sync", "other", "--quiet")
    reply = sandbox.probe().query("other.", "NS", dnssec=False)
    assert [r.target.to_text() for r in reply.answer[0]] == ["ns1.nic.other."]
    out = sandbox.ok("tld", "add", "third", "--ns", "a.ns.example.net", "--dnssec", "off").out
    assert "name servers a.ns.example.net\n" in out
    missing = sandbox("zone", "verify", "third", "--quiet")
    assert missing.status == 1 and "FAULT not in PowerDNS" in missing.out
    repaired = sandbox.ok("zone", "verify", "third", "--repair", "--quiet").out
    assert "third.: created in PowerDNS" in repaired and " OK (" in repaired


def test_zone_of_a_tld_without_dns_settings(sandbox, running) -> None:
    _without_default_tld_nameservers(sandbox)
    assert "not published in DNS: give it name servers with 'pyrar zone config other" in \
        sandbox.ok("tld", "add", "other").out
    assert sandbox.fails("zone", "sync", "other").startswith(
        "pyrar: error: other is not a TLD published by this registry: no such TLD, or it has "
        "no DNS settings")
    sandbox.ok("zone", "config", "other", "--ns", "ns1.example.net", "--dnssec", "off")
    out = sandbox.ok("zone", "sync", "other", "--quiet").out
    assert out.startswith("other.: 0 delegations")
    assert sandbox.fails("zone", "ds", "other") == \
        "pyrar: error: other. has no active key-signing key"


def test_installed_console_script(sandbox, running) -> None:
    if not PYRAR.exists():
        pytest.skip(f"no console script at {PYRAR}: install the package (pip install -e .)")
    env = {"PATH": f"{PYRAR.parent}:/usr/bin:/bin", "HOME": str(sandbox.directory),
           "PYRAR_CONFIG": str(sandbox.config_path)}
    ok = subprocess.run([PYRAR, "zone", "sync", "example", "--quiet"], capture_output=True,
                        text=True, env=env, timeout=120)
    assert ok.returncode == 0 and ok.stderr == "" and ok.stdout.startswith("example.: ")
    ds = subprocess.run([PYRAR, "zone", "ds", "example"], capture_output=True, text=True,
                        env=env, timeout=120)
    assert ds.returncode == 0 and " IN DS " in ds.stdout
    bad = subprocess.run([PYRAR, "zone", "export", "nosuch"], capture_output=True, text=True,
                         env=env, timeout=120)
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr == "pyrar: error: nosuch. does not exist in PowerDNS\n"


def _rrset(name: str, rtype: str, contents: list[str]) -> dict:
    return {"name": name, "type": rtype, "ttl": 3600, "changetype": "REPLACE",
            "records": [{"content": c, "disabled": False} for c in contents]}


def test_verify_compares_the_whole_zone_and_repairs(sandbox, core, running) -> None:
    """Damage written into PowerDNS behind zonegen's back: every piece is named, whichever
    delegations a sample would have picked; --repair puts the registry's version back."""
    _populate(core)
    sandbox.ok("zone", "sync", "example", "--quiet")
    api = running.api()
    api.patch_rrsets("example.", [
        _rrset("rogue.example.", "NS", ["ns1.evil.net."]),                  # rogue delegation
        _rrset("ns1.beta.example.", "A", ["192.0.2.66"]),                   # changed glue A
        _rrset("beta.example.", "DS", ["1111 13 2 " + "ab" * 32]),          # replaced DS
        {"name": "alpha.example.", "type": "NS", "changetype": "DELETE"},   # deleted NS
    ])
    bad = sandbox("zone", "verify", "example", "--sample", "0", "--quiet")
    assert bad.status == 1, bad
    faults = [line.strip() for line in bad.out.splitlines() if "FAULT" in line]
    for part in ("not in the registry: rogue.example. 3600 NS ns1.evil.net",
                 "not in the registry: ns1.beta.example. 3600 A 192.0.2.66",
                 "missing from PowerDNS: ns1.beta.example. 3600 A 192.0.2.10",
                 "not in the registry: beta.example. 3600 DS 1111 13 2 " + "ab" * 32,
                 "missing from PowerDNS: beta.example. 3600 DS 4242 13 2 " + "5a" * 32,
                 "missing from PowerDNS: alpha.example. 3600 NS ns1.provider.net"):
        assert any(part in f for f in faults), (part, bad.out)
    summary = bad.out.splitlines()[-1]
    assert summary.startswith("example.: 2 delegations compared, ") and "FAULT" in summary

    fixed = sandbox("zone", "verify", "example", "--repair", "--quiet")
    assert fixed.status == 0, fixed
    assert "repaired (+" in fixed.out.splitlines()[-1]
    again = sandbox.ok("zone", "verify", "example", "--quiet").out
    assert "FAULT" not in again and " OK (" in again.splitlines()[-1]
    reply = sandbox.probe().query("rogue.example.", "NS", dnssec=False)
    assert not reply.answer and not any(r.rdtype == 2 for r in reply.authority
                                        if r.name.to_text() == "rogue.example.")


def test_verify_says_what_is_missing(sandbox, running) -> None:
    line = sandbox.fails("zone", "verify", "nosuch")
    assert "no such TLD, or it has no DNS settings" in line
    _without_default_tld_nameservers(sandbox)
    sandbox.ok("tld", "add", "other")
    assert "pyrar zone config other --ns" in sandbox.fails("zone", "verify", "other")


HOSTING = ("ns1.pyrar-hosting.net", "ns2.pyrar-hosting.net")


def test_hosted_zone_commands(sandbox, core, running) -> None:
    text = sandbox.config_path.read_text()
    setting = f"hosted_nameservers = {list(HOSTING)!r}".replace("'", '"')
    sandbox.config_path.write_text(re.sub(r"(?m)^hosted_nameservers = .*$", setting, text))
    for host in HOSTING:
        core.run(HostCreate(host))
    core.run(DomainCreate("shop.example", nameservers=HOSTING, authinfo=STRONG))
    sandbox.ok("zone", "sync", "example", "--quiet")           # the parent, in PowerDNS
    out = sandbox.ok("zone", "hosted", "add", "shop.example", "--record", "www 300 A 192.0.2.80")
    assert out.out == "shop.example.: created, served by ns1.pyrar-hosting.net., " \
                      "ns2.pyrar-hosting.net.\n"
    listing = sandbox.ok("zone", "hosted", "list").out.splitlines()
    assert [line.split(" serial ")[0] for line in listing] == ["shop.example. unsigned"]

    records = sandbox.ok("zone", "hosted", "records", "shop.example",
                         "--set", "www 300 A 192.0.2.81", "--set", "www 300 A 192.0.2.82",
                         "--set", "@ 3600 MX 10 mail").out
    assert "www.shop.example.\t300\tIN\tA\t192.0.2.81" in records
    assert "www.shop.example.\t300\tIN\tA\t192.0.2.82" in records
    assert "192.0.2.80" not in records and "MX\t10 mail.shop.example." in records
    after = sandbox.ok("zone", "hosted", "records", "shop.example", "--delete", "@/MX").out
    assert "MX" not in after and "www.shop.example." in after
    for bad, message in [(("--set", "www x A 1"), "records are 'NAME TTL TYPE DATA'"),
                         (("--set", "www 300 A 300.1.1.1"), "bad record"),
                         (("--delete", "www"), "NAME/TYPE")]:
        assert message in sandbox.fails("zone", "hosted", "records", "shop.example", *bad)
    assert sandbox.ok("zone", "hosted", "records", "shop.example").out == after
    assert "no hosted zone nosuch.example." in sandbox.fails(
        "zone", "hosted", "records", "nosuch.example")

    events = len(core.outbox())
    signed = sandbox.ok("zone", "hosted", "sign", "shop.example").out
    assert "shop.example.: signed; DS in the registry: pending" in signed
    assert "shop.example. IN DS " in signed
    status = sandbox.ok("zone", "hosted", "status", "shop.example").out
    assert "shop.example.: signed" in status and "key " in status
    assert "signing: waiting for every server to answer the keys" in status
    assert "DS at the parent's servers: not served" in status
    assert len(core.outbox()) == events                          # no DS went to the core

    out = sandbox.ok("zone", "hosted", "unsign", "shop.example").out
    assert "unsigning, waiting until no server of the parent serves the DS" in out
    status = sandbox.ok("zone", "hosted", "status", "shop.example").out
    assert "signing:" not in status.replace("unsigning:", "") and "unsigning:" in status
    assert "signed; DS" not in status
