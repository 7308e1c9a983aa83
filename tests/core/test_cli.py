"""The ``pyrar`` command line: init, operator commands, and one clear line for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from certs.fingerprint import fingerprint
from registry.config import Config
from registry.db import make_engine
from registry.flows.context import Actor
from registry.flows.domain_create import DomainCreate
from registry.flows.session_login import Login
from registry.migrate import current_revision, head_revision
from registry.models import Registrar, Tld
from registry.pricing import quote
from registry.service import Registry
from tests.cli_outcomes import (
    Sandbox,
    clear_pyrar_environment,
    files_of,
    in_process,
    initial_sandbox,
)
from tests.core.db_state import dump
from tests.core.world import STRONG
from tests.launch.tmch_kit import TmchKit, dnl, smdrl

PYRAR = Path(sys.executable).with_name("pyrar")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    clear_pyrar_environment(monkeypatch)


@pytest.fixture
def pyrar(capsys):
    return in_process(capsys)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return initial_sandbox(tmp_path_factory)


@pytest.fixture
def sandbox(template, tmp_path, pyrar) -> Sandbox:
    return Sandbox.copy_of(template, tmp_path, pyrar)


# --- init -----------------------------------------------------------------------------------

def login_with(registry: Registry, entry: dict, peer_ip: str = "127.0.0.1"):
    cmd = Login(entry["clid"], entry["password"],
                cert_fingerprint=fingerprint(Path(entry["cert"]).read_bytes()), peer_ip=peer_ip)
    return registry.execute(cmd, Actor.client(cmd.clid)).result


def test_init_builds_a_complete_sandbox(tmp_path, pyrar):
    directory = tmp_path / "new"
    outcome = pyrar("init", directory)
    assert outcome.status == 0 and outcome.err == ""
    assert "sandbox ready" in outcome.out
    config = tomllib.loads((directory / "pyrar.toml").read_text())
    assert config["database"]["url"] == "sqlite:///pyrar.sqlite3"
    for key in ("cert", "key", "ca"):
        assert (directory / config["eppd"][key]).is_file()
    creds = json.loads((directory / "credentials.json").read_text())
    assert (directory / "credentials.json").stat().st_mode & 0o077 == 0  # passwords inside
    assert [r["clid"] for r in creds["registrars"]] == ["registrar1", "registrar2"]
    # the registrar site: its URL, an operator and a demo user (#15)
    assert creds["web"]["url"] == f"http://127.0.0.1:{config['registrar']['port']}"
    assert {creds["web"][k]["email"] for k in ("admin", "user")} == {
        "admin@pyrar.test", "demo@pyrar.test"}
    for entry in creds["registrars"]:
        assert set(entry) >= {"clid", "password", "cert", "key", "ca", "host", "port"}
        assert (entry["host"], entry["port"]) == ("127.0.0.1", config["eppd"]["port"])
        for key in ("cert", "key", "ca"):
            assert Path(entry[key]).is_file()
        assert 6 <= len(entry["password"]) <= 16
    assert Path(creds["ca"]).is_file()

    registry = Registry.from_config(Config.load(directory / "pyrar.toml"))
    try:
        assert current_revision(registry.db.engine) == head_revision()
        for entry in creds["registrars"]:
            assert login_with(registry, entry).clid == entry["clid"]
        # each certificate belongs to its own registrar only
        first, second = creds["registrars"]
        with pytest.raises(Exception) as info:
            login_with(registry, {**first, "cert": second["cert"]})
        assert getattr(info.value, "code", None) == 2200
        alice = registry.run(lambda ctx: ctx.session.scalars(select(Registrar).where(
            Registrar.clid == "registrar1")).one())
        created = registry.execute(DomainCreate("hello.example", authinfo=STRONG),
                                   Actor.registrar(alice.id, alice.clid)).result
        assert created.charge.total == 1000
    finally:
        registry.close()


def test_init_twice_says_so_and_changes_nothing(sandbox):
    before_files, before_db = files_of(sandbox.directory), sandbox.dump()
    outcome = sandbox.run("init", sandbox.directory)
    assert outcome.status == 1
    lines = outcome.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pyrar: error: ")
    assert "already" in lines[0]
    assert files_of(sandbox.directory) == before_files
    assert sandbox.dump() == before_db


def test_init_options(tmp_path, pyrar):
    directory = tmp_path / "opts"
    assert pyrar("init", directory, "--tld", "alpha", "--tld", "beta", "--registrars", "3",
                 "--epp-port", "7700").status == 0
    creds = json.loads((directory / "credentials.json").read_text())
    assert [r["clid"] for r in creds["registrars"]] == ["registrar1", "registrar2", "registrar3"]
    assert {r["port"] for r in creds["registrars"]} == {7700}
    listing = pyrar("--config", directory / "pyrar.toml", "tld", "list").out
    assert [line.split(":")[0] for line in listing.splitlines()
            if not line.startswith(" ")] == ["alpha", "beta"]


@pytest.mark.parametrize("args", [
    ("--registrars", "0"), ("--registrars", "101"), ("--tld", "bad_tld"),
    ("--tld", "example", "--tld", "a.b"), ("--tld", "xn--zz"),
])
def test_init_bad_input_writes_nothing(tmp_path, pyrar, args):
    directory = tmp_path / "bad"
    outcome = pyrar("init", directory, *args)
    assert outcome.status == 1
    lines = outcome.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pyrar: error: ")
    assert not directory.exists()


@pytest.fixture
def empty_mariadb(mariadb_url):
    """A MariaDB database name of our own, which ``pyrar init --db`` creates; dropped after."""
    name = f"pyrar_cli_{uuid.uuid4().hex[:10]}"
    url = make_url(mariadb_url).set(database=name).render_as_string(hide_password=False)
    yield url
    server = create_engine(make_url(mariadb_url).set(database=""))
    with server.begin() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
    server.dispose()


def test_init_on_mariadb(tmp_path, pyrar, empty_mariadb):
    first = tmp_path / "first"
    assert pyrar("init", first, "--db", empty_mariadb).status == 0
    config = tomllib.loads((first / "pyrar.toml").read_text())
    assert config["database"]["url"] == empty_mariadb
    assert not (first / "pyrar.sqlite3").exists()
    out = pyrar("--config", first / "pyrar.toml", "registrar", "list").out
    assert [line.split()[0] for line in out.splitlines()] == ["house", "registrar1",
                                                              "registrar2"]
    engine = make_engine(empty_mariadb)
    try:
        assert current_revision(engine) == head_revision()
        before = dump(engine)
        # a second sandbox on the same, no longer empty, database is refused
        second = tmp_path / "second"
        outcome = pyrar("init", second, "--db", empty_mariadb)
        assert outcome.status == 1 and outcome.err.startswith("pyrar: error: ")
        assert len(outcome.err.splitlines()) == 1
        assert not (second / "pyrar.toml").exists()
        assert dump(engine) == before
    finally:
        engine.dispose()
    creds = json.loads((first / "credentials.json").read_text())
    registry = Registry.from_config(Config.load(first / "pyrar.toml"))
    try:
        assert login_with(registry, creds["registrars"][1]).clid == "registrar2"
    finally:
        registry.close()


# --- operator commands ----------------------------------------------------------------------

def test_tld_idn_tables_load_show_remove(sandbox, tmp_path):
    table = tmp_path / "latin.xml"
    table.write_text('<lgr xmlns="urn:ietf:params:xml:ns:lgr-1.0"><meta><version>2</version>'
                     '<language>und-Latn</language></meta><data>'
                     '<range first-cp="0061" last-cp="007A"/><char cp="00E9"/></data></lgr>')
    assert "und-Latn loaded for example: 27 code points" in sandbox.ok(
        "tld", "idn-table", "load", "example", str(table))
    shown = sandbox.ok("tld", "show", "example")
    assert "IDN table und-Latn 2: 27 code points, 0 variants; url (derived)" in shown
    assert "updated" in sandbox.ok("tld", "idn-table", "set", "example", "und-Latn",
                                   "--url", "https://nic.test/latn.xml",
                                   "--policy-url", "https://nic.test/policy")
    assert ("url https://nic.test/latn.xml, policy https://nic.test/policy"
            in sandbox.ok("tld", "show", "example"))
    assert "not an http(s) URL" in sandbox.fails("tld", "idn-table", "set", "example",
                                                 "und-Latn", "--url", "ftp://x")
    assert "nothing to set" in sandbox.fails("tld", "idn-table", "set", "example", "und-Latn")
    assert "no IDN table und-Cyrl" in sandbox.fails("tld", "idn-table", "set", "example",
                                                    "und-Cyrl", "--url", "https://x.test/")
    table.write_text("<lgr/>")
    assert "must be an <lgr>" in sandbox.fails("tld", "idn-table", "load", "example",
                                               str(table))
    assert "cannot read" in sandbox.fails("tld", "idn-table", "load", "example",
                                          str(tmp_path / "missing.xml"))
    assert "removed" in sandbox.ok("tld", "idn-table", "remove", "example", "und-Latn")
    assert "IDN tables: none" in sandbox.ok("tld", "show", "example")


def test_tmch_imports_phases_and_lordn(sandbox, tmp_path):
    kit = TmchKit(datetime.now(UTC))
    files = {"ca": kit.ca_pem, "crl": kit.crl(), "dnl": dnl(("example-one", "k1")),
             "smdrl": smdrl("1-2", "1-3")}
    for kind, text in files.items():
        (tmp_path / kind).write_text(text)
        assert "imported" in sandbox.ok("tmch", kind, str(tmp_path / kind))
    assert "2 entries" in sandbox.ok("tmch", "smdrl", str(tmp_path / "smdrl"))
    (tmp_path / "bad").write_text("1,x\nnot,a,header\n")
    assert "must start with" in sandbox.fails("tmch", "dnl", str(tmp_path / "bad"))
    shown = sandbox.ok("tld", "phase", "example", "sunrise", "2026-01-01", "2026-02-01")
    assert "example sunrise: 2026-01-01 00:00 - 2026-02-01 00:00" in shown
    assert "end after it starts" in sandbox.fails("tld", "phase", "example", "claims",
                                                  "2026-02-01", "2026-01-01")
    lines = sandbox.ok("tmch", "lordn", "example", "claims").splitlines()
    assert lines[0].endswith(",0") and lines[1].startswith("roid,domain-name,notice-id")


def test_tld_token_add_list_remove(sandbox):
    token = sandbox.ok("tld", "token", "add", "example", "--label", "whois", "--price",
                       "250.00", "--until", "2099-01-01").strip()
    assert len(token) == 32
    sandbox.ok("tld", "token", "add", "example", "--token", "Chosen-Token-0123456789",
               "--registrar", "registrar1", "--unlimited")
    lines = sandbox.ok("tld", "token", "list", "example").splitlines()
    assert lines[0].split("\t") == [token, "example", "whois", "(any registrar)", "used 0/1",
                                    "- to 2099-01-01 00:00", "250.00 USD/y"]
    assert lines[1].split("\t")[2:5] == ["(any)", "registrar1", "used 0/unlimited"]
    assert sandbox.ok("tld", "token", "remove", token) == "token removed\n"
    assert len(sandbox.ok("tld", "token", "list").splitlines()) == 1
    assert "exists already" in sandbox.fails("tld", "token", "add", "example", "--token",
                                             "Chosen-Token-0123456789")
    assert "16 to 64" in sandbox.fails("tld", "token", "add", "example", "--token", "short")
    assert "does not exist" in sandbox.fails("tld", "token", "add", "example",
                                             "--registrar", "nobody")
    assert "no such allocation token" in sandbox.fails("tld", "token", "remove", "x" * 20)


def test_tld_applications_and_allocate(sandbox):
    shown = sandbox.ok("tld", "phase", "example", "landrush", "2026-01-01", "2026-02-01",
                       "--applications")
    assert "example landrush: 2026-01-01 00:00 - 2026-02-01 00:00, applications" in shown
    assert "with an end" in sandbox.fails("tld", "phase", "example", "sunrise", "2026-01-01",
                                          "--applications")
    assert sandbox.ok("tld", "applications", "example") == ""
    assert sandbox.ok("tld", "allocate", "example") == ""
    assert "no pending application 7" in sandbox.fails("tld", "allocate", "example",
                                                       "--winner", "7")


def test_tld_add_list_set(sandbox):
    added = sandbox("tld", "add", "shop", "idn_allowed=false", "max_period=5")
    assert added.status == 0 and "added" in added.out
    # the sandbox's ROIDs end in the default repository id: fine there, not in production
    assert "roid_suffix is the default 'PYRAR'" in added.err and "IANA" in added.err
    assert "updated" in sandbox.ok("tld", "set", "shop", "data_model=thick", "emoji_allowed=yes")
    listing = sandbox.ok("tld", "list")
    (shop,) = [line for line in listing.splitlines() if line.startswith("shop:")]
    assert "periods 1-5y" in shop and "data model thick" in shop
    assert "idn off" in shop and "emoji on" in shop
    assert "idn_only needs idn_allowed" in sandbox.fails("tld", "set", "shop", "idn_only=yes")
    sandbox.ok("tld", "set", "shop", "idn_allowed=yes", "idn_only=yes")  # RST idn-02
    assert "idn only" in sandbox.ok("tld", "show", "shop")
    assert sandbox("tld", "add", ".Upper.").out.startswith("TLD upper added")
    assert "zz--main-1234: " in sandbox("tld", "add", "zz--main-1234").out + sandbox.ok(
        "tld", "list")


def test_price_set(sandbox):
    assert sandbox.ok("price", "set", "example", "create", "12.50") == "example create: 12.50 USD\n"
    sandbox.ok("price", "set", "example", "renew", "7", "--currency", "eur")
    listing = sandbox.ok("tld", "list")
    assert "  create    12.50 USD" in listing
    assert "  renew     7.00 EUR" in listing
    sandbox.ok("price", "set", "example", "create", "1000", "--currency", "JPY")
    assert "  create    1000 JPY" in sandbox.ok("tld", "list")


def test_premium_add_by_name_and_regex(sandbox):
    sandbox.ok("premium", "add", "example", "gold", "--create", "500.00", "--renew", "200")
    sandbox.ok("premium", "add", "example", "^(.|..)$", "--regex", "--class", "short",
               "--create", "300.00")
    sandbox.ok("premium", "add", "example", "münchen.example", "--create", "99.99")
    listing = sandbox.ok("premium", "list").splitlines()
    assert listing == [
        "example name 'gold' class premium: create 500.00, renew 200.00 USD",
        "example regex '^(.|..)$' class short: create 300.00 USD",
        "example name 'xn--mnchen-3ya' class premium: create 99.99 USD",
    ]
    registry = sandbox.registry()
    try:
        def prices_of(ctx):
            tld = ctx.session.scalars(select(Tld).where(Tld.name == "example")).one()
            book = ctx.policy.price_book(ctx.session, tld.id)
            return [quote(ctx.session, book, tld, label, "create", 1, "USD").amount
                    for label in ("gold", "ab", "xn--mnchen-3ya", "plain")]
        prices = registry.run(prices_of)
    finally:
        registry.close()
    assert prices == [50_000, 30_000, 9_999, 1000]


def test_reserve_add_list(sandbox):
    assert sandbox.ok("reserve", "add", "example", "whois", "--reason", "Registry use") == (
        "whois.example reserved\n")
    sandbox.ok("reserve", "add", "example", "münchen")
    assert sandbox.ok("reserve", "list", "example").splitlines() == [
        "nic.example\tRegistry name servers", "whois.example\tRegistry use",
        "xn--mnchen-3ya.example\tReserved"]
    assert sandbox.ok("reserve", "list", "test") == "nic.test\tRegistry name servers\n"
    sandbox.fails("reserve", "add", "example", "WHOIS")  # already reserved


def test_registrar_add_list_set_credit_ledger(sandbox, tmp_path):
    cert = sandbox.directory / "certs" / "registrar1.pem"
    sandbox.ok("registrar", "add", "acme", "--password", "acme-pass-1", "--name", "Acme Inc",
               "--credit-limit", "50.00", "--fingerprint", "AB:" * 31 + "AB",
               "--network", "192.0.2.0/24")
    line = [x for x in sandbox.ok("registrar", "list").splitlines() if x.startswith("acme")]
    assert line and "balance         0.00" in line[0] and "credit      50.00 USD" in line[0]
    assert "Acme Inc" in line[0]
    sandbox.ok("registrar", "set", "acme", "--status", "suspended", "--cert", cert)
    assert "suspended" in sandbox.ok("registrar", "list")
    assert sandbox.ok("registrar", "credit", "acme", "100.00", "--description", "wire") == (
        "registrar acme: balance now 100.00 USD\n")
    assert "balance now 75.00" in sandbox.ok("registrar", "credit", "acme", "-25.00")
    ledger = sandbox.ok("registrar", "ledger", "acme").splitlines()
    assert len(ledger) == 2
    assert "payment" in ledger[0] and "100.00" in ledger[0] and "wire" in ledger[0]
    assert "adjustment" in ledger[1] and "-25.00" in ledger[1] and "75.00" in ledger[1]
    registry = sandbox.registry()
    try:
        acme = registry.run(lambda ctx: ctx.session.scalars(select(Registrar).where(
            Registrar.clid == "acme")).one())
    finally:
        registry.close()
    assert (acme.status, acme.balance, acme.credit_limit) == ("suspended", 7500, 5000)
    assert acme.cert_fingerprint == fingerprint(cert.read_bytes())
    assert acme.allowed_networks == ["192.0.2.0/24"]


def test_registrar_set_password(sandbox):
    sandbox.ok("registrar", "set", "registrar1", "--password", "brand-new-pw")
    creds = json.loads((sandbox.directory / "credentials.json").read_text())
    entry = creds["registrars"][0]
    registry = sandbox.registry()
    try:
        assert login_with(registry, {**entry, "password": "brand-new-pw"}).clid == "registrar1"
        with pytest.raises(Exception) as info:
            login_with(registry, entry)
        assert getattr(info.value, "code", None) == 2200
    finally:
        registry.close()


def test_domain_list_and_info(sandbox):
    registry = sandbox.registry()
    try:
        r1 = registry.run(lambda ctx: ctx.session.scalars(select(Registrar).where(
            Registrar.clid == "registrar1")).one())
        for name in ("beta.example", "alpha.example", "münchen.test"):
            registry.execute(DomainCreate(name, authinfo=STRONG), Actor.registrar(r1.id, r1.clid))
    finally:
        registry.close()
    listing = sandbox.ok("domain", "list").splitlines()
    assert [line.split()[0] for line in listing] == [
        "alpha.example", "beta.example", "xn--mnchen-3ya.test"]
    assert all("registrar1" in line and "active" in line for line in listing)
    assert [line.split()[0] for line in sandbox.ok("domain", "list", "--tld", "test")
            .splitlines()] == ["xn--mnchen-3ya.test"]
    assert sandbox.ok("domain", "list", "--registrar", "registrar2") == ""
    info = dict(line.split(None, 1) for line in sandbox.ok("domain", "info", "münchen.test")
                .splitlines())
    assert info["name"] == "xn--mnchen-3ya.test (münchen.test)"
    assert info["sponsor"] == "registrar1"
    assert info["rgp"] == "addPeriod"
    assert info["status"] == "inactive"


def test_lifecycle_run(sandbox):
    out = sandbox.ok("lifecycle", "run")
    assert out.startswith("lifecycle: 0 domain(s), 0 contact transfer(s) settled")


def test_db_upgrade_and_current(sandbox, tmp_path, pyrar):
    head = head_revision()
    assert sandbox.ok("db", "current") == f"{head} (latest {head})\n"
    assert sandbox.ok("db", "upgrade") == f"schema: {head} -> {head}\n"
    config = tmp_path / "fresh.toml"
    config.write_text('[database]\nurl = "sqlite:///fresh.sqlite3"\n')
    assert pyrar("--config", config, "db", "current").out == f"empty (latest {head})\n"
    outcome = pyrar("--config", config, "tld", "list")  # unmigrated: refused, not changed
    assert outcome.status == 1 and outcome.err.startswith("pyrar: error: ")
    assert "pyrar db upgrade" in outcome.err and len(outcome.err.splitlines()) == 1
    assert pyrar("--config", config, "db", "upgrade").out == f"schema: empty -> {head}\n"
    assert (tmp_path / "fresh.sqlite3").is_file()
    assert pyrar("--config", config, "tld", "list").status == 0


# --- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("tld", "set", "nope", "max_period=5"),
    ("tld", "set", "example", "bogus=1"),
    ("tld", "set", "example", "max_period=abc"),
    ("tld", "set", "example", "max_period=11"),
    ("tld", "set", "example", "min_period=3", "max_period=2"),
    ("tld", "set", "example", "idn_allowed=maybe"),
    ("tld", "set", "example", "data_model=fat"),
    ("tld", "set", "example", "add_grace_days=-1"),
    ("tld", "set", "example", "novalue"),
    ("tld", "add", "example"),
    ("tld", "add", "bad_tld"),
    ("tld", "add", "xn--zz"),
    ("tld", "add", "new", "bogus=1"),
    ("price", "set", "nope", "create", "1.00"),
    ("price", "set", "example", "create", "1.234"),
    ("price", "set", "example", "create", "abc"),
    ("price", "set", "example", "create", "-1.00"),
    ("price", "set", "example", "create", "1.5", "--currency", "JPY"),
    ("price", "set", "example", "create", "1.00", "--currency", "EURO"),
    ("premium", "add", "example", "(", "--regex", "--create", "100.00"),
    ("premium", "add", "example", "gold"),
    ("premium", "add", "nope", "gold", "--create", "1.00"),
    ("premium", "add", "example", "gold", "--create", "1.234"),
    ("premium", "add", "example", "gold_bar", "--create", "1.00"),
    ("reserve", "add", "example", "bad_label"),
    ("reserve", "add", "example", "xx--reserved"),
    ("reserve", "add", "nope", "nic"),
    ("reserve", "list", "nope"),
    ("registrar", "add", "registrar1", "--password", "long-enough-1"),
    ("registrar", "add", "acme", "--password", "long-enough-1", "--fingerprint", "zz"),
    ("registrar", "add", "acme", "--password", "long-enough-1", "--fingerprint", "a" * 64,
     "--fingerprint", "b" * 64, "--fingerprint", "c" * 64),
    ("registrar", "add", "ac", "--password", "long-enough-1"),
    ("registrar", "add", "acme", "--password", "short"),
    ("registrar", "add", "acme", "--password", "long-enough-1", "--network", "300.0.0.0/8"),
    ("registrar", "add", "acme", "--password", "long-enough-1", "--credit-limit", "1.234"),
    ("registrar", "add", "acme", "--password", "long-enough-1", "--currency", "DOLLARS"),
    ("registrar", "set", "registrar1", "--fingerprint", "zz"),
    ("registrar", "set", "registrar1", "--cert", "/nonexistent/cert.pem"),
    ("registrar", "set", "registrar1", "--credit-limit", "-5.00"),
    ("registrar", "set", "registrar1", "--credit-limit", "1.234"),
    ("registrar", "set", "registrar1", "--password", "short"),
    ("registrar", "set", "nobody", "--name", "Nobody"),
    ("registrar", "credit", "registrar1", "1.234"),
    ("registrar", "credit", "registrar1", "0"),
    ("registrar", "credit", "registrar1", "lots"),
    ("registrar", "credit", "nobody", "10.00"),
    ("registrar", "ledger", "nobody"),
    ("domain", "info", "nothing.example"),
    ("domain", "info", "not a domain"),
    # every policy value has a range (#13): past it every create would be refused
    ("tld", "set", "example", "max_nameservers=-1"),
    ("tld", "set", "example", "max_nameservers=0"),
    ("tld", "set", "example", "max_nameservers=33"),
    ("tld", "set", "example", "max_dnssec_records=-3"),
    ("tld", "set", "example", "max_dnssec_records=17"),
    ("tld", "set", "example", "authinfo_min_bits=-1"),
    ("tld", "set", "example", "authinfo_min_bits=257"),
    ("tld", "set", "example", "redemption_days=366"),
    ("tld", "set", "example", "min_period=0"),
    ("tld", "set", "example", "max_period=1e1"),
    ("tld", "set", "example", "max_period=" + "9" * 5000),
    ("tld", "set", "example", "max_nameservers=5", "max_dnssec_records=-1"),
    ("tld", "add", "new", "max_nameservers=-1"),
    # amounts are plain decimals, and not astronomical
    ("registrar", "credit", "registrar1", "1e9999"),
    ("registrar", "credit", "registrar1", "9" * 5000),
    ("price", "set", "example", "create", "1e9999"),
    ("price", "set", "example", "create", "1e3"),
    ("price", "set", "example", "create", "NaN"),
    ("price", "set", "example", "create", "Infinity"),
    ("price", "set", "example", "create", "1_000"),
    ("price", "set", "example", "create", "10000000000000"),
    ("premium", "add", "example", "gold", "--create", "1e9999"),
    ("registrar", "add", "acme", "--password", "long-enough-1", "--credit-limit", "1e9999"),
    ("registrar", "set", "registrar1", "--credit-limit", "1e9999"),
    ("registrar", "set", "registrar1", "--low-balance", "-1e9999"),
    # taking back past the credit limit needs --force
    ("registrar", "credit", "registrar1", "-999999999"),
    # usage errors: exit 1 as well
    ("tld",),
    ("registrar", "bogus"),
    ("price", "set", "example", "bogus-operation", "1.00"),
    ("--bogus-option", "tld", "list"),
    ("registrar", "ledger", "registrar1", "--limit", "0"),
    ("domain", "list", "--limit", "-1"),
    ("lifecycle", "run", "--every", "inf"),
    ("lifecycle", "run", "--every", "nan"),
    ("lifecycle", "run", "--every", "-5"),
    ("lifecycle", "run", "--batch", "0"),
    ("eppd", "--workers", "0"),
    ("serve", "--workers", "1000"),
], ids=lambda a: " ".join(a)[:60] if isinstance(a, tuple) else str(a))
def test_bad_input_is_one_line_exit_1_and_changes_nothing(sandbox, args):
    sandbox.fails(*args)


@pytest.mark.parametrize(("setting", "line"), [
    ("max_nameservers=-1", "max_nameservers must be 1 to 32, not '-1'"),
    ("max_dnssec_records=-3", "max_dnssec_records must be 0 to 16, not '-3'"),
    ("pending_delete_days=400", "pending_delete_days must be 0 to 365, not '400'"),
    ("authinfo_min_bits=x", "authinfo_min_bits must be 0 to 256, not 'x'"),
    ("emoji_allowed=maybe", "emoji_allowed must be yes or no, not 'maybe'"),
    ("data_model=fat", "data_model must be optional or minimum or thick, not 'fat'"),
])
def test_policy_refusal_names_key_value_and_range(sandbox, setting, line):
    assert sandbox.fails("tld", "set", "example", setting) == f"pyrar: error: {line}"


def test_policy_values_at_the_edges_of_their_ranges(sandbox):
    sandbox.ok("tld", "set", "example", "max_nameservers=1", "max_dnssec_records=0",
               "authinfo_min_bits=0", "redemption_days=365", "add_grace_days=0")
    registry = sandbox.registry()
    try:
        tld = registry.run(lambda ctx: ctx.session.scalars(
            select(Tld).where(Tld.name == "example")).one())
    finally:
        registry.close()
    assert (tld.max_nameservers, tld.max_dnssec_records, tld.authinfo_min_bits,
            tld.redemption_days, tld.add_grace_days) == (1, 0, 0, 365, 0)


@pytest.mark.parametrize(("args", "line"), [
    (("price", "set", "example", "create", "1e3"),
     "'1e3' is not an amount: write digits with at most one decimal point, like 12.50"),
    (("registrar", "credit", "registrar1", "1e9999"),
     "'1e9999' is not an amount: write digits with at most one decimal point, like 12.50"),
    (("price", "set", "example", "create", "10000000000000"),
     "'10000000000000' is too large: amounts go up to 9999999999999.99 USD"),
])
def test_amount_refusals_say_what_an_amount_is(sandbox, args, line):
    assert sandbox.fails(*args) == f"pyrar: error: {line}"


def test_taking_credit_back_past_the_limit_needs_force(sandbox):
    """registrar1 has 10,000.00 USD and a credit limit of 1,000.00 USD (pyrar init)."""
    line = sandbox.fails("registrar", "credit", "registrar1", "-11000.01")
    assert line == ("pyrar: error: taking back 11000.01 USD leaves registrar1 at -1000.01 USD, "
                    "0.01 USD past its credit limit of 1000.00 USD; add --force to do it anyway")
    # down to the limit exactly is no overdraft
    assert sandbox.ok("registrar", "credit", "registrar1", "-11000.00") == (
        "registrar registrar1: balance now -1000.00 USD\n")
    assert sandbox.ok("registrar", "credit", "registrar1", "-5.00", "--force",
                      "--description", "chargeback") == (
        "registrar registrar1: balance now -1005.00 USD, 5.00 USD past its credit limit of "
        "1000.00 USD: what costs money is refused until it pays\n")
    ledger = sandbox.ok("registrar", "ledger", "registrar1").splitlines()
    assert "adjustment" in ledger[-1] and "-5.00" in ledger[-1] and "chargeback" in ledger[-1]
    # paying back part of it says where the registrar still stands
    assert sandbox.ok("registrar", "credit", "registrar1", "2.00").endswith(
        "-1003.00 USD, 3.00 USD past its credit limit of 1000.00 USD: what costs money is "
        "refused until it pays\n")


def test_help_exits_0_and_usage_errors_exit_1(pyrar):
    assert pyrar("--help").status == 0
    outcome = pyrar("tld", "set", "example")
    assert (outcome.status, outcome.out) == (1, "")
    assert outcome.err == ("pyrar: error: the following arguments are required: KEY=VALUE "
                           "(see pyrar tld set --help)\n")


def test_without_configuration_nothing_is_created(tmp_path, monkeypatch, pyrar):
    monkeypatch.chdir(tmp_path)
    for args in (("tld", "list"), ("db", "current"), ("registrar", "credit", "x", "1.00")):
        outcome = pyrar(*args)
        assert (outcome.status, outcome.out) == (1, "")
        assert outcome.err == (
            "pyrar: error: no configuration: give --config FILE or set PYRAR_CONFIG; "
            "'pyrar init DIR' makes a sandbox with its DIR/pyrar.toml\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("content", "says"), [
    (None, "is a directory, not a file"),
    (bytes(range(256)), "is not TOML (not UTF-8 text)"),
    (b"[database\n", "is not valid TOML"),
    (b"database = 5\n", "database must be a table"),
    (b"[database]\npool_size = true\n", "[database] pool_size: True is not a whole number"),
    (b'[database]\nurl = 5\n', "[database] url: 5 is not a string"),
])
def test_unusable_configuration_file_is_one_line(tmp_path, pyrar, content, says):
    config = tmp_path / "config"
    if content is None:
        config.mkdir()
    else:
        config.write_bytes(content)
    outcome = pyrar("--config", config, "tld", "list")
    assert (outcome.status, outcome.out) == (1, "")
    assert outcome.err.startswith("pyrar: error: ") and len(outcome.err.splitlines()) == 1
    assert says in outcome.err


def test_bad_certificate_file(sandbox):
    bogus = sandbox.directory / "bogus.pem"
    bogus.write_text("not a certificate\n")
    line = sandbox.fails("registrar", "set", "registrar1", "--cert", bogus)
    assert str(bogus) in line


def test_missing_configuration_file(tmp_path, pyrar):
    outcome = pyrar("--config", tmp_path / "nope.toml", "tld", "list")
    assert outcome.status == 1
    assert outcome.err.startswith("pyrar: error: ") and len(outcome.err.splitlines()) == 1


def test_installed_console_script(sandbox):
    """The real ``pyrar`` executable: output, exit status and stderr as a shell sees them."""
    if not PYRAR.exists():
        pytest.skip(f"no console script at {PYRAR}: install the package (pip install -e .)")
    env = {"PATH": str(PYRAR.parent), "HOME": str(sandbox.directory),
           "PYRAR_CONFIG": str(sandbox.config)}
    ok = subprocess.run([PYRAR, "registrar", "list"], capture_output=True, text=True, env=env,
                        timeout=120)
    assert ok.returncode == 0 and ok.stderr == ""
    assert [line.split()[0] for line in ok.stdout.splitlines()] == ["house", "registrar1",
                                                                  "registrar2"]
    before = sandbox.dump()
    bad = subprocess.run([PYRAR, "price", "set", "example", "create", "1.234"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 1 and bad.stdout == ""
    assert bad.stderr.startswith("pyrar: error: ") and len(bad.stderr.splitlines()) == 1
    assert sandbox.dump() == before


def test_tld_name_server_labels_are_reserved(sandbox):
    """pyrar init gives each TLD ns1.nic.<tld>: nic.<tld> can never be registered."""
    assert "nic.example\tRegistry name servers" in sandbox.ok("reserve", "list", "example")


def test_events_list_stats_and_retry_of_dead_letters(sandbox):
    from registry.events.consumer import Consumer
    from registry.events.delivery import RetryPolicy
    from registry.events.store import RegistryEvents

    # pyrar init published the sandbox's TLDs: their DNS events wait for zonegen
    listed = sandbox.ok("events", "list").splitlines()
    assert len(listed) == 3 and all(" dns " in line and " due " in line for line in listed[1:])
    assert any('"owner":"example"' in line for line in listed)
    assert sandbox.ok("events", "list", "--dead") == "no events\n"

    def refuse(batch):
        for d in batch.deliveries:
            batch.fail(d.id, "PowerDNS refused the zone")
    registry = sandbox.registry()
    try:
        Consumer(RegistryEvents(registry), "dns", refuse,
                 retry=RetryPolicy(max_attempts=1)).run_once()
    finally:
        registry.close()
    dead = sandbox.ok("events", "list", "--dead", "--consumer", "dns").splitlines()[1:]
    assert len(dead) == 2
    assert all(" dead 20" in line and "PowerDNS refused the zone" in line for line in dead)
    [stats] = [line.split() for line in sandbox.ok("events", "stats").splitlines()
               if line.startswith("dns ")]
    assert stats[1:5] == ["0", "0", "0", "2"]               # live, due, backing off, dead

    first = dead[0].split()[0]
    for args in (("events", "retry", "999999"), ("events", "retry", first, "999999"),
                 ("events", "retry"), ("events", "retry", first, "--dead"),
                 ("events", "retry", "--consumer", "dns", first),
                 ("events", "retry", "--dead", "--consumer", "nope"),
                 ("events", "list", "--consumer", "nope"), ("events", "list", "--limit", "0")):
        sandbox.fails(*args)
    assert sandbox.ok("events", "retry", first) == "1 event(s) due again now\n"
    assert sandbox.ok("events", "retry", "--dead", "--consumer", "dns") == (
        "1 event(s) due again now\n")
    assert sandbox.ok("events", "list", "--dead") == "no events\n"
    again = sandbox.ok("events", "list").splitlines()[1:]
    assert len(again) == 2 and all(" due " in line for line in again)
