"""Two PyRar sandboxes driven from a test: their command lines, A's EPP as one of its
registrars, B's site as its user, A's database and eppd, and A's lifecycle run at a time
of the test's choosing (an injected clock)."""

from __future__ import annotations

import asyncio
import contextlib
import mailbox
import os
import signal
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

from eppclient import EppClient, RegistryConfig
from registry.clock import FixedClock
from registry.config import Config
from registry.scheduler import Report, run_due
from registry.service import Registry
from tests.serve_stack import START_TIMEOUT, Served, descendants, environment, pyrar
from tests.waiting import wait_for
from tests.webui.api_client import ApiClient


def cli(sandbox: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(pyrar("--config", str(sandbox / "pyrar.toml"), *args),
                          env=environment(), capture_output=True, text=True, timeout=120)


def ok(sandbox: Path, *args: str) -> str:
    done = cli(sandbox, *args)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def tune(sandbox: Path, table: str, **settings: object) -> None:
    """Settings of a sandbox's table for a test that cannot wait a minute."""
    config = sandbox / "pyrar.toml"
    lines = "".join(f"{k} = {v}\n" for k, v in settings.items())
    config.write_text(config.read_text().replace(f"[{table}]\n", f"[{table}]\n" + lines, 1))


def wait_serving(served: Served, tld: str) -> None:
    def up() -> bool:
        assert served.process.poll() is None, f"serve exited early:\n{served.log()}"
        return ("PyRar is running" in served.log() and served.epp_answers()
                and served.soa_answered(f"{tld}."))
    # two installations start side by side on a shared machine: more time than one
    wait_for(f"serve of {tld} is up", up, 3 * START_TIMEOUT, served.log)


def registrar_client(served: Served, clid: str) -> RegistryConfig:
    cred = next(r for r in served.credentials["registrars"] if r["clid"] == clid)
    return RegistryConfig(name=f"a-{clid}", host=cred["host"], port=int(cred["port"]),
                          ca=Path(cred["ca"]), cert=Path(cred["cert"]), key=Path(cred["key"]),
                          clid=clid, password=cred["password"], sessions=1)


def at_a(served: Served, clid: str, work):
    """``work(client)`` as registrar ``clid`` of A, with our own EPP client."""
    async def run():
        async with EppClient(registrar_client(served, clid)) as client:
            return await work(client)
    return asyncio.run(run())


def subjects(sandbox: Path) -> list[str]:
    return [str(m["Subject"]) for m in mailbox.Maildir(sandbox / "mail", create=False)]


def site_user(sb: Served) -> ApiClient:
    web = sb.credentials["web"]
    user = ApiClient(web["url"])
    assert user.login(web["user"]["email"], web["user"]["password"]).status == 200
    return user



def item(user: ApiClient, name: str) -> dict:
    """The user's latest order item for ``name``."""
    orders = user.get("/api/orders").body
    return next(i for o in orders for i in o["items"] if i["name"] == name)


def domains(user: ApiClient) -> dict[str, dict]:
    return {d["name"]: d for d in user.get("/api/domains").body}


def balance(user: ApiClient) -> int:
    return user.get("/api/account").body["balance"]["amount"]


def at_a_db(served: Served, sql: str, *args: object) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(served.directory / "pyrar.sqlite3")) as db:
        return db.execute(sql, args).fetchall()


def kill_eppd(served: Served) -> list[int]:
    """A's eppd and its workers, killed by PID with SIGKILL; the PIDs."""
    procs = served.eppd()
    assert procs, served.tree()
    pids = [p.pid for p in procs] + [c.pid for p in procs for c in descendants(p.pid)]
    served.tree()  # every one of them stays known to the cleanup
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return pids


def lifecycle_at(sandbox: Path, when: datetime) -> Report:
    """A's lifecycle (what ``pyrar lifecycle run`` does) with its clock at ``when``."""
    registry = Registry.from_config(Config.load(sandbox / "pyrar.toml"), FixedClock(when))
    try:
        return run_due(registry)
    finally:
        registry.close()
