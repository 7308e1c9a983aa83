"""Orders per second on a registrar site selling a remote PyRar registry's TLD through the
EPP client pool, as a ratio to orders of its own registry's TLD measured in the same run.

Two sandboxes made by ``pyrar init`` (SQLite): A, the registry of ``alpha``, runs
``pyrar eppd --workers 2``; B, with its own TLD ``beta``, is a ``RegistrarCore`` in this
process with A as an upstream (``sessions`` EPP sessions, as registrar1 of A). A funded user
of B then places ``--orders`` one-name create orders from ``--threads`` threads:

- ``local``: names of ``beta`` (the local backend: the registry's flows in the site's
  transaction), the floor;
- ``remote``: names of ``alpha`` (each order: the check with fee-1.0 at A, the payment, the
  item submitted, the create at A over EPP, the item settled: four transactions of B's).

    .venv/bin/python bench/interconnect_orders.py [--orders 200] [--threads 4]
        [--sessions 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from epp_commands import Registrar, free_port, wait_for_eppd

from registrar.config import RegistrarSettings
from registrar.core import RegistrarCore
from registrar.upstreams import UpstreamSpec, add
from registry.config import Config
from registry.service import Registry

HERE = Path(__file__).resolve().parent


def sandbox(work: Path, name: str, tld: str, env: dict, pyrar: list[str]) -> Path:
    directory = work / name
    subprocess.run([*pyrar, "init", str(directory), "--tld", tld, "--epp-port",
                    str(free_port()), "--dns-port", str(free_port()), "--pdns-api-port",
                    str(free_port()), "--rdap-port", str(free_port()), "--web-port",
                    str(free_port())], env=env, check=True, cwd=work,
                   stdout=subprocess.DEVNULL)
    return directory


def orders_per_second(core: RegistrarCore, user_id: int, tld: str, count: int,
                      threads: int) -> float:
    stamp = f"{time.time_ns() % 10**9}"
    names = iter(range(count))
    lock = threading.Lock()
    failures: list[str] = []

    def worker() -> None:
        while True:
            with lock:
                i = next(names, None)
            if i is None:
                return
            order = core.place_order(user_id, [{"name": f"b{stamp}-{i}.{tld}"}])
            if order.items[0].status != "done":
                failures.append(f"{order.items[0].name}: {order.items[0].status} "
                                f"{order.items[0].error}")

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} orders failed, first: {failures[0]}")
    return count / elapsed


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--orders", type=int, default=200)
    p.add_argument("--threads", type=int, default=4)
    p.add_argument("--sessions", type=int, default=2)
    args = p.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYRAR_")}
    env["PYTHONPATH"] = str(HERE.parent)
    pyrar = [sys.executable, "-m", "pyrar.cli.main"]
    with tempfile.TemporaryDirectory(prefix="pyrar-interconnect-") as tmp:
        work = Path(tmp)
        a = sandbox(work, "a", "alpha", env, pyrar)
        b = sandbox(work, "b", "beta", env, pyrar)
        cred = json.loads((a / "credentials.json").read_text())["registrars"][0]
        registrar = Registrar(**{k: v for k, v in cred.items()
                                 if k in Registrar.__dataclass_fields__})
        server = subprocess.Popen(
            [*pyrar, "--config", str(a / "pyrar.toml"), "eppd", "--workers", "2"],
            env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        config = Config.load(b / "pyrar.toml")
        core = RegistrarCore(Registry.from_config(config),
                             config.section("registrar", RegistrarSettings))
        try:
            wait_for_eppd(registrar)
            spec = UpstreamSpec("alpha", "127.0.0.1", int(cred["port"]), cred["ca"],
                                cred["cert"], cred["key"], cred["clid"], cred["password"],
                                ("alpha",), sessions=args.sessions)
            core.tx(lambda ctx: add(ctx, spec, core.currency))
            site = json.loads((b / "credentials.json").read_text())["web"]["user"]
            user = core.login(site["email"], site["password"])
            user_id = core.principal(user.token).user_id
            core.add_funds(user_id, 10**12, "bench funds")
            core.search("warmup")  # logs in to A; prices of a first name
            local = orders_per_second(core, user_id, "beta", args.orders, args.threads)
            print(f"local backend (beta): {local:.1f} orders/s")
            remote = orders_per_second(core, user_id, "alpha", args.orders, args.threads)
            print(f"remote backend (alpha at A, {args.sessions} EPP sessions): "
                  f"{remote:.1f} orders/s ({remote / local:.2f} of the local floor)")
        finally:
            core.close()
            core.registry.close()
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
