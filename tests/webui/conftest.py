"""The site served by ``pyrar web serve`` in a process of its own, on a registry with TLDs
and a house registrar, on SQLite and on MariaDB (module-scoped: one server a file)."""

from __future__ import annotations

import contextlib
import mailbox
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from registrar.secret_box import SecretBox
from registry.admin.registrars import add_registrar
from registry.admin.tlds import add_reserved, add_tld, set_price
from registry.billing import credit
from registry.db import Database, make_engine
from registry.flows.context import Actor
from registry.service import Registry
from tests.databases import scratch_mariadb
from tests.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]
PRICES = {"create": 1000, "renew": 1000, "transfer": 800, "restore": 5000}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Site:
    url: str
    registry: Registry
    log: Path
    maildir: Path

    def mails(self, to: str, template: str, count: int = 1) -> list[dict]:
        """The messages of ``template`` delivered to ``to`` (waits for ``count``)."""
        def found():
            out = []
            try:  # the consumer may be making the Maildir's folders right now
                messages = list(mailbox.Maildir(self.maildir, create=False))
            except (FileNotFoundError, mailbox.NoSuchMailboxError):
                return None
            for msg in messages:
                if msg["To"] == to and msg["X-PyRar-Message"] == template:
                    text = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
                    body = text.get_payload(decode=True).decode()
                    token = re.search(r"token=([A-Za-z0-9_-]+)", body)
                    out.append({"subject": msg["Subject"], "text": body,
                                "token": token[1] if token else None})
            return out if len(out) >= count else None
        return wait_for(f"{count} {template} mail(s) to {to}", found, 30, self.log.read_text)


@pytest.fixture(scope="module", params=["sqlite", "mariadb"])
def site(request, tmp_path_factory, sqlite_template):
    with running_site(tmp_path_factory.mktemp("site"), request.param, sqlite_template) as s:
        yield s


@contextlib.contextmanager
def running_site(directory: Path, dialect: str, sqlite_template: Path, extra_config: str = "",
                 env: dict | None = None) -> Iterator[Site]:
    """``pyrar web serve`` on a registry with the TLDs and the house registrar;
    ``extra_config`` adds TOML tables, ``env`` environment variables."""
    with contextlib.ExitStack() as stack:
        if dialect == "sqlite":
            shutil.copy(sqlite_template, directory / "registry.sqlite3")
            url = f"sqlite:///{directory / 'registry.sqlite3'}"
        else:
            url = stack.enter_context(scratch_mariadb("pyrar_site"))
            from registry.migrate import upgrade
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
        registry = Registry(Database(make_engine(url)))
        stack.callback(registry.close)

        def populate(ctx):
            for name in ("example", "test"):
                add_tld(ctx, name)
                for op, amount in PRICES.items():
                    set_price(ctx, name, op, "USD", amount)
            add_reserved(ctx, "example", "nic", "Registry operations")
            house = add_registrar(ctx, "house", password="house-pw-123", credit_limit=0)
            credit(ctx, house.id, 10_000_000, "payment", None, "test funds")
        registry.run(populate, Actor.operator("test"))
        port = free_port()
        (directory / "site.key").write_text(SecretBox.new_key() + "\n")
        config = directory / "pyrar.toml"
        config.write_text(f"""
[database]
url = "{url}"
[registrar]
port = {port}
site_url = "http://127.0.0.1:{port}"
secure_cookies = false
secret_key_file = "site.key"
argon2_time_cost = 1
argon2_memory_kib = 256
argon2_parallelism = 1
login_limit = 8
[events]
run_dir = "run"
[mail]
maildir = "mail"
""" + extra_config)
        log = directory / "web.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "pyrar.cli.main", "--config", str(config), "web",
                 "serve"], cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {})})
        stack.callback(_stop, process)
        wait_for("the site listens", lambda: b"listening" in log.read_bytes()
                 or process.poll() is not None, 60, log.read_text)
        assert process.poll() is None, log.read_text()
        yield Site(f"http://127.0.0.1:{port}", registry, log, directory / "mail")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
