"""Command frames the core tests send, as functions of what varies."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from eppd_core_world import STRONG, Epp, Reply

_names = itertools.count(1)


def concurrently(sessions: list[Epp], send: Callable[[Epp], Reply]) -> list[int]:
    """The result codes of ``send(session)`` run by every session at once (threads
    released together by a barrier)."""
    barrier = threading.Barrier(len(sessions))
    codes: list[int] = []
    lock = threading.Lock()

    def go(epp: Epp) -> None:
        barrier.wait()
        code = send(epp).code
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=go, args=(e,)) for e in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


def fresh(tld: str = "example") -> str:
    """A name no other test uses."""
    return f"d{next(_names)}-{datetime.now(UTC):%H%M%S%f}.{tld}"


def create(epp: Epp, name: str, *, years: int = 1, pw: str = STRONG, ns: tuple[str, ...] = (),
           extra: str = "", extension: str = "") -> Reply:
    hosts = "".join(f"<d:hostObj>{h}</d:hostObj>" for h in ns)
    ns_xml = f"<d:ns>{hosts}</d:ns>" if ns else ""
    return epp.command(
        f'<create><d:create><d:name>{name}</d:name><d:period unit="y">{years}</d:period>'
        f"{ns_xml}{extra}<d:authInfo><d:pw>{pw}</d:pw></d:authInfo></d:create></create>",
        extension)


def info(epp: Epp, name: str, hosts: str = "all", pw: str | None = None) -> Reply:
    auth = f"<d:authInfo><d:pw>{pw}</d:pw></d:authInfo>" if pw is not None else ""
    return epp.command(f'<info><d:info><d:name hosts="{hosts}">{name}</d:name>{auth}'
                       "</d:info></info>")


def update(epp: Epp, name: str, add: str = "", rem: str = "", chg: str = "",
           extension: str = "") -> Reply:
    parts = "".join(f"<d:{k}>{v}</d:{k}>" for k, v in (("add", add), ("rem", rem),
                                                         ("chg", chg)) if v)
    return epp.command(f"<update><d:update><d:name>{name}</d:name>{parts}</d:update></update>",
                       extension)


def transfer(epp: Epp, op: str, name: str, pw: str | None = None,
             years: int | None = None) -> Reply:
    period = f'<d:period unit="y">{years}</d:period>' if years else ""
    auth = f"<d:authInfo><d:pw>{pw}</d:pw></d:authInfo>" if pw is not None else ""
    return epp.command(f'<transfer op="{op}"><d:transfer><d:name>{name}</d:name>{period}{auth}'
                       "</d:transfer></transfer>")


def host_create(epp: Epp, name: str, *addresses: str) -> Reply:
    addr = "".join(f'<h:addr ip="{"v6" if ":" in a else "v4"}">{a}</h:addr>'
                   for a in addresses)
    return epp.command(f"<create><h:create><h:name>{name}</h:name>{addr}</h:create></create>")
