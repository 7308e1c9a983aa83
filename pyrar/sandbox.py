"""``pyrar init DIR``: a complete, working sandbox in one step.

It writes the configuration, a migrated database, a dev CA with server and client
certificates, TLDs with prices and funded registrars, and ``credentials.json`` for clients.
The configuration file is written last, so a failure part-way leaves a directory that
``pyrar init`` will simply complete on the next run.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from certs.fingerprint import fingerprint
from certs.sandbox import build_sandbox_certs
from escrow.openpgp import Gpg
from registrar.config import RegistrarSettings
from registrar.core import RegistrarCore
from registrar.payments.config import load as payment_settings
from registrar.payments.paypal_test_ca import SANDBOX_CERT_URL, PayPalTestCA
from registrar.secret_box import SecretBox
from registry.admin.registrars import add_registrar
from registry.admin.tlds import add_tld, set_dns_settings, set_price, tld_name
from registry.billing import credit
from registry.config import Config
from registry.db import create_database_if_missing, database_url
from registry.flows.context import Actor
from registry.migrate import upgrade
from registry.models import Registrar, Tld
from registry.service import Registry
from registry.values import PostalAddress
from zonegen.cli import dns_settings

CONFIG_NAME = "pyrar.toml"
SANDBOX_PRICES = {"create": 1000, "renew": 1000, "transfer": 1000, "restore": 5000}  # cents
SANDBOX_FUNDS = 1_000_000  # 10,000.00 USD per registrar
SANDBOX_CREDIT = 100_000
RDAP_PORT = 8082
SANDBOX_ADDRESS = PostalAddress("Sandbox City", "US", ("1 Sandbox Street",), "CA", "90210")
HOUSE_CLID = "house"  # the registrar account the sandbox's site sells through
DEMO_FUNDS = 100_000  # 1,000.00 USD for the site's demo user


class SandboxExists(Exception):
    """The directory holds a sandbox already; nothing was changed."""


@dataclass(frozen=True)
class SandboxSpec:
    directory: Path
    db_url: str | None = None
    tlds: tuple[str, ...] = ("example",)
    registrars: int = 2
    epp_port: int = 7000
    dns_port: int = 5300
    pdns_api_port: int = 8081
    rdap_port: int = RDAP_PORT
    web_port: int = 8080


@dataclass(frozen=True)
class Sandbox:
    config_path: Path
    credentials_path: Path
    clids: tuple[str, ...]


def init_sandbox(spec: SandboxSpec) -> Sandbox:
    directory = spec.directory.resolve()
    config_path = directory / CONFIG_NAME
    if config_path.exists():
        raise SandboxExists(f"{directory} is already a PyRar sandbox ({config_path} exists); "
                            "nothing changed")
    for name in spec.tlds:  # bad input is refused before anything is written
        tld_name(name)
    directory.mkdir(parents=True, exist_ok=True)
    # the test-mode PayPal's certificates: [payments.paypal] trusts this root only
    _, _, paypal_key = PayPalTestCA.make(days=3650).write_files(directory / "payments")
    text = config_text(spec, _escrow_keys(directory / "escrow"))
    config = Config.from_text(text, directory)
    clids = tuple(f"registrar{i}" for i in range(1, spec.registrars + 1))
    create_database_if_missing(database_url(config))
    registry = Registry.from_config(config)
    try:
        upgrade(registry.db.engine)
        registry.run(_refuse_data, Actor.operator("init"))
        certs = build_sandbox_certs(directory / "certs", clids)
        passwords = _populate(registry, spec.tlds, clids,
                              {c: fingerprint(certs.clients[c].cert.read_bytes()) for c in clids})
        web = _site_accounts(registry, config.section("registrar", RegistrarSettings))
    finally:
        registry.close()

    credentials = {
        "host": "127.0.0.1", "port": spec.epp_port, "ca": str(certs.ca.cert),
        "rdap": {"url": f"http://127.0.0.1:{spec.rdap_port}/"},
        "registrars": [
            {"clid": clid, "password": passwords[clid], "cert": str(certs.clients[clid].cert),
             "key": str(certs.clients[clid].key), "ca": str(certs.ca.cert),
             "host": "127.0.0.1", "port": spec.epp_port}
            for clid in clids],
        "web": web,
        "payments": _test_payments(config, web["url"], paypal_key),
    }
    credentials_path = directory / "credentials.json"
    _write_private(directory / SITE_KEY_NAME, SecretBox.new_key() + "\n")
    _write_private(credentials_path, json.dumps(credentials, indent=2) + "\n")
    _write_private(config_path, text)
    return Sandbox(config_path, credentials_path, clids)


def free_port(preferred: int) -> int:
    """``preferred`` when nothing listens there on loopback, else one the system picks."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", preferred))
        except OSError:
            sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _escrow_keys(directory: Path) -> dict[str, str]:
    """The registry's signing key and a test escrow agent's key pair, in GnuPG homes under
    DIR/escrow; the agent's secret key and the registry's public key exported beside them,
    for 'pyrar escrow verify'."""
    if (directory / "keys.json").exists():  # a run that stopped part-way made them already
        return json.loads((directory / "keys.json").read_text())
    with Gpg(directory / "gnupg") as registry, Gpg(directory / "agent-gnupg") as agent:
        return _make_escrow_keys(directory, registry, agent)


def _make_escrow_keys(directory: Path, registry: Gpg, agent: Gpg) -> dict[str, str]:
    signing = registry.generate("PyRar sandbox registry <registry@sandbox.invalid>",
                                encryption=False)
    agent_key = agent.generate("Sandbox escrow agent <agent@sandbox.invalid>",
                               encryption=True)
    registry.import_keys(agent.export(agent_key))
    _write_private(directory / "agent-secret.asc",
                   agent.export(agent_key, secret=True).decode())
    (directory / "registry-public.asc").write_bytes(registry.export(signing))
    keys = {"agent_key": agent_key, "signing_key": signing}
    (directory / "keys.json").write_text(json.dumps(keys) + "\n")
    return keys


def _refuse_data(ctx) -> None:
    if ctx.session.scalar(select(func.count()).select_from(Tld)) or ctx.session.scalar(
            select(func.count()).select_from(Registrar)):
        raise SandboxExists("the database already holds TLDs or registrars; use an empty one "
                            "for a sandbox. Nothing changed")


# the TLDs' own name server is the sandbox's PowerDNS on loopback
SANDBOX_TLD_NAMESERVER = "ns1.nic.{tld}=127.0.0.1"
SITE_KEY_NAME = "site-secret.key"
SANDBOX_HOSTING = ("ns1.hosting.pyrar.invalid", "ns2.hosting.pyrar.invalid")


def _populate(registry: Registry, tlds: tuple[str, ...], clids: tuple[str, ...],
              prints: dict[str, str]) -> dict[str, str]:
    def work(ctx):
        for name in tlds:
            tld = add_tld(ctx, name)
            set_dns_settings(ctx, tld.name, dns_settings(tld.name, [
                SANDBOX_TLD_NAMESERVER.replace("{tld}", tld.name)]))
            for op, amount in SANDBOX_PRICES.items():
                set_price(ctx, tld.name, op, "USD", amount)
        passwords = {}
        for clid in clids:
            passwords[clid] = secrets.token_urlsafe(12)[:16]  # EPP pwType: 6-16 characters
            registrar = add_registrar(ctx, clid, password=passwords[clid],
                                      name=f"Sandbox {clid}", credit_limit=SANDBOX_CREDIT,
                                      fingerprints=(prints[clid],), postal=SANDBOX_ADDRESS,
                                      email=f"{clid}@sandbox.invalid")
            credit(ctx, registrar.id, SANDBOX_FUNDS, "payment", None, "sandbox funds")
        house = add_registrar(ctx, HOUSE_CLID, password=secrets.token_urlsafe(12)[:16],
                              name="The sandbox's registrar site", credit_limit=SANDBOX_CREDIT,
                              postal=SANDBOX_ADDRESS, email=f"{HOUSE_CLID}@sandbox.invalid")
        credit(ctx, house.id, SANDBOX_FUNDS, "payment", None, "sandbox funds")
        return passwords

    return registry.run(work, Actor.operator("init"), "init")


def _test_payments(config: Config, site_url: str, paypal_key: Path) -> dict:
    """What signs a test event for the sandbox's test-mode providers, and where it goes."""
    settings = payment_settings(config)
    hook = f"{site_url}/api/payments/webhooks/"
    return {"stripe": {"webhook_secret": settings.stripe.webhook_secret,
                       "webhook_url": hook + "stripe"},
            "nowpayments": {"ipn_secret": settings.nowpayments.ipn_secret,
                            "ipn_url": hook + "nowpayments"},
            "paypal": {"webhook_id": settings.paypal.webhook_id, "webhook_url": hook + "paypal",
                       "cert_url": SANDBOX_CERT_URL, "signing_key": str(paypal_key),
                       "auth_algo": "SHA256withRSA"}}


def _site_accounts(registry: Registry, settings: RegistrarSettings) -> dict:
    """The site's operator and a funded demo user, both verified."""
    site = RegistrarCore(registry, settings)
    accounts = {"admin": {"email": "admin@pyrar.test", "password": secrets.token_urlsafe(12)},
                "user": {"email": "demo@pyrar.test", "password": secrets.token_urlsafe(12)}}
    site.register(accounts["admin"]["email"], accounts["admin"]["password"], role="superuser",
                  verified=True)
    demo = site.register(accounts["user"]["email"], accounts["user"]["password"],
                         verified=True)
    site.add_funds(demo.id, DEMO_FUNDS, "sandbox funds")
    return {"url": settings.site_url, **accounts}


def config_text(spec: SandboxSpec, escrow_keys: dict[str, str]) -> str:
    """[powerdns] comes last: the zonegen tests append keys of theirs to it."""
    db_url = spec.db_url or "sqlite:///pyrar.sqlite3"
    return f"""# PyRar sandbox configuration, written by 'pyrar init'.
# Relative paths are relative to this file. Environment variables PYRAR_<TABLE>_<KEY>
# override any value here (PYRAR_DB_URL for [database] url).

[database]
url = "{db_url}"

[registry]
server_id = "PyRar sandbox"
# ROIDs end in this repository id: fine for a sandbox; a production registry must use its
# own, registered with IANA (ICANN's RST refuses others; ICANNRST is for RSP evaluation).
roid_suffix = "PYRAR"

[eppd]
host = "127.0.0.1"
port = {spec.epp_port}
cert = "certs/server.pem"
key = "certs/server.key"
ca = "certs/ca.pem"

[ca]
# the private key of [eppd] ca: 'pyrar registrar cert CLID' issues a registrar's client
# certificate with it. Keep a production CA's key off the servers that do not need it.
key = "certs/ca.key"

[registrar]
house_clid = "{HOUSE_CLID}"
host = "127.0.0.1"
port = {spec.web_port}
site_url = "http://127.0.0.1:{spec.web_port}"
# the sandbox serves plain HTTP on loopback: cookies without the Secure flag. Serve the site
# over HTTPS (behind a TLS proxy) and remove this line anywhere else.
secure_cookies = false
# the key sealing users' TOTP secrets (made by 'pyrar init'; 'pyrar web secret-key' makes more)
secret_key_file = "{SITE_KEY_NAME}"

[mail]
# users' mail goes into this Maildir (read it with any mail reader: mutt -f mail); set
# transport = "smtp" and smtp_host, smtp_port, smtp_security, smtp_username, smtp_password to
# send it for real
transport = "maildir"
maildir = "mail"

[payments]
# test mode: a top-up calls no provider (its checkout is recorded as test_<id>); send signed
# test events to <site>/api/payments/webhooks/<provider> with the secrets in
# credentials.json. To take real payments, remove test_mode and configure each provider as
# docs/payments.md says (secrets from the environment or files, not this file).
test_mode = true

[payments.stripe]
secret_key = "sk_test_sandbox"
webhook_secret = "whsec_{secrets.token_hex(24)}"

[payments.nowpayments]
api_key = "sandbox"
ipn_secret = "{secrets.token_urlsafe(24)}"

[payments.paypal]
client_id = "sandbox"
client_secret = "sandbox"
webhook_id = "WH-SANDBOX-{secrets.token_hex(8).upper()}"
# a test CA made by 'pyrar init' stands for PayPal: its root is the only one trusted, and
# the certificate any PAYPAL-CERT-URL names is read from cert_file (test mode only);
# payments/paypal-test-key.pem signs test events (credentials.json says how)
ca_file = "payments/paypal-test-root.pem"
cert_file = "payments/paypal-test-chain.pem"

[rdap]
# plain HTTP on loopback; give cert and key (or a TLS proxy and base_url) in production
host = "127.0.0.1"
port = {spec.rdap_port}

[whois]
# WHOIS (RFC 3912) for the TLDs with whois_enabled ('pyrar tld set NAME whois_enabled=yes');
# serve = true has 'pyrar serve' run it
serve = false
port = 4343
rdap_url = "http://127.0.0.1:{spec.rdap_port}/"

[health]
# 'pyrar health serve': HTTP 200 while this node should get clients (its database answers
# and, on Galera, is Synced in the primary component), else 503 and why; for a load
# balancer's check (docs/scale-out.md). serve = true has 'pyrar serve' run it
serve = false
host = "127.0.0.1"
port = 9200

[escrow]
# deposits (pyrar escrow deposit TLD) go to out_dir, encrypted to a TEST agent's key whose
# secret is in escrow/agent-secret.asc: 'pyrar escrow verify' checks them with it. schedule =
# true has 'pyrar serve' make them (full on Sunday, differential the other days).
out_dir = "escrow/deposits"
gnupg_home = "escrow/gnupg"
agent_key = "{escrow_keys['agent_key']}"
signing_key = "{escrow_keys['signing_key']}"
schedule = false
# upload to the escrow agent by SFTP ('pyrar escrow upload', and after each scheduled deposit):
# sftp_host, sftp_user, sftp_key (the registry's private key file), sftp_known_hosts (the
# agent's host key, always checked), sftp_dir; split_bytes cuts larger deposits into parts

# [icann]
# ICANN's Registry Reporting Interface ('pyrar escrow report', 'report monthly --upload'):
# url = "https://ry-api.icann.org", username = "{{tld}}_ry" (each TLD's account); the
# password in PYRAR_ICANN_PASSWORD or a passwords_file (lines "TLD PASSWORD"), never here;
# the escrow scheduler then also sends each gTLD's monthly reports of the month just ended
# from monthly_report_day (2; 0: never) on

[powerdns]
mode = "managed"
data_dir = "powerdns"
port = {spec.dns_port}
webserver_port = {spec.pdns_api_port}
# 'pyrar tld add NAME' publishes the new TLD with these apex name servers
tld_nameservers = ["{SANDBOX_TLD_NAMESERVER}"]
# DNS hosting, which users turn on for their names on the site: their zones live on this
# PowerDNS, served under these names (reserved .invalid names: the sandbox is reached by address)
hosted_nameservers = {json.dumps(list(SANDBOX_HOSTING))}
"""


def _write_private(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)

