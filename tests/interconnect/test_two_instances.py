"""Two PyRar installations on loopback: A is the registry of ``alpha``; B is a registrar
site with its own TLD ``beta`` that sells ``alpha`` through A's eppd, as A's registrar1.

A user of B searches and buys a name of alpha (it exists at A, sponsored by B's account,
A charged B, B charged the user its own price), renews it, sets name servers with glue and
a DS record (A's DNS delegates it), buys at a price A raised meanwhile (A refuses: a clear
reason and a refund), and loses the name to another registrar of A (B's poller removes it
from the account and mails the user). Faults: answers lost between B and A (a create, a
renew, a transfer request, a restore), B's site killed with an order in flight, A's eppd
killed with one; and A's own lifecycle seen by B (tests/interconnect/a_side.py)."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import sqlite3
import threading
from datetime import datetime
from pathlib import Path

import dns.rcode
import dns.rdatatype
import pytest

from eppclient import FeeQuery
from tests.interconnect import a_side
from tests.interconnect.instances import at_a, ok, site_user, subjects, tune, wait_serving
from tests.interconnect.proxy_thread import ProxyThread
from tests.serve_stack import GLUE, PUBLISH_TIMEOUT, Served, make_sandbox, serving
from tests.waiting import wait_for
from tests.webui.api_client import ApiClient
from tests.zonegen.zonegen_helpers import need_pdns

pytestmark = [pytest.mark.pdns, pytest.mark.slow]
DIGEST = "5C" * 32
MARKUP = 20
TIMEOUT = 5  # B's upstream command timeout: a lost item is settled 3 * 5 + 5 s after it left


def test_b_sells_alpha_through_a(tmp_path):
    need_pdns()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = make_sandbox(tmp_path / "a", "--tld", "alpha", "--tld", "gamma")
    b = make_sandbox(tmp_path / "b", "--tld", "beta")
    tune(b, "registrar", lifecycle_seconds=1, upstream_timeout_seconds=TIMEOUT)
    # A closes sessions idle 4 s, far less than B's pool expects (600 s): B's sessions are
    # cut between steps, and each command finds a live one all the same
    tune(a, "eppd", idle_timeout=4)
    with serving(a, "serve-a") as sa:
        wait_serving(sa, "alpha")
        # transfers approved by A's lifecycle at once, and a name deleted the day it was
        # made goes to redemption as an older one would (set early: eppd caches the policy)
        for tld in ("alpha", "gamma"):
            ok(a, "tld", "set", tld, "transfer_pending_days=0", "add_grace_days=0")
        b_at_a = next(r for r in sa.credentials["registrars"] if r["clid"] == "registrar1")
        # B reaches A's eppd through a proxy that loses answers when told to
        proxy = ProxyThread(sa.epp_port, a / "certs" / "server.pem", a / "certs" / "server.key",
                            Path(b_at_a["ca"]), Path(b_at_a["cert"]), Path(b_at_a["key"]))
        try:
            ok(b, "upstream", "add", "alpha", "--host", "127.0.0.1", "--port", str(proxy.port),
               "--ca", b_at_a["ca"], "--cert", b_at_a["cert"], "--key", b_at_a["key"],
               "--clid", "registrar1", f"--password={b_at_a['password']}", "--tld", "alpha",
               "--markup", str(MARKUP))
            # gamma: a minimum-data registry for B, which sends it no contacts
            ok(b, "upstream", "add", "gamma", "--host", "127.0.0.1", "--port", str(proxy.port),
               "--ca", b_at_a["ca"], "--cert", b_at_a["cert"], "--key", b_at_a["key"],
               "--clid", "registrar1", f"--password={b_at_a['password']}", "--tld", "gamma",
               "--contacts", "none")
            listed = ok(b, "upstream", "list")
            assert "alpha: 127.0.0.1" in listed and "registrar1" in listed
            assert b_at_a["password"] not in listed and b_at_a["key"] not in listed
            tested = ok(b, "upstream", "test", "alpha")
            assert "logged in to alpha" in tested, tested
            assert "urn:ietf:params:xml:ns:epp:fee-1.0" in tested, tested
            assert "available; standard; create 10.00" in tested, tested
            assert b_at_a["password"] not in tested

            with serving(b, "serve-b") as sb:
                wait_serving(sb, "beta")
                user = site_user(sb)
                _journey(sa, sb, user, a, b)
                _answer_lost(sa, user, proxy)
                pending = _crash_while_sent(sa, sb, user, proxy)
            with serving(b, "serve-b-again") as sb:
                wait_serving(sb, "beta")
                user = site_user(sb)
                _settled_after_restart(sa, sb, user, pending, proxy)
                a_side.registrant_at_a(sa, user)
                a_side.contacts_after_transfer_in(a, sa, sb, user)
                a_side.eppd_killed_mid_order(sa, sb, user, proxy)
                a_side.renew_and_transfer_lost(a, sa, sb, user, proxy)
                a_side.a_lifecycle(a, sa, sb, user, proxy)
        finally:
            proxy.close()


def _answer_lost(sa: Served, user: ApiClient, proxy: ProxyThread) -> None:
    """The connection drops after A ran the create: B settles it by info, never resends."""
    name = f"lost{secrets.token_hex(3)}.alpha"
    fault = proxy.arm("after", b"<domain:create")
    order = user.post("/api/orders", {"items": [{"name": name}]})
    assert fault.struck.is_set()
    assert order.body["items"][0]["status"] == "done", order.body
    assert at_a(sa, "registrar1", lambda c: c.domain_info(name)).sponsor == "registrar1"
    assert sum(b"<domain:create" in f and name.encode() in f for f in proxy.proxy.seen) == 1


def _crash_while_sent(sa: Served, sb: Served, user: ApiClient, proxy: ProxyThread) -> str:
    """B's site dies while A runs its create (the answer held back): the item stays
    "submitted" and nothing is sent again."""
    name = f"crash{secrets.token_hex(3)}.alpha"
    fault = proxy.arm("stall", b"<domain:create")

    def buy() -> None:
        with contextlib.suppress(OSError):  # the site dies under it
            user.post("/api/orders", {"items": [{"name": name}]})
    buying = threading.Thread(target=buy)
    buying.start()
    wait_for("the create reached A", fault.struck.is_set, 60, sb.log)
    for p in sb.tree():
        if " web serve" in p.cmdline:
            os.kill(p.pid, signal.SIGKILL)
    buying.join(60)
    with contextlib.closing(sqlite3.connect(sb.directory / "pyrar.sqlite3")) as db:
        assert db.execute("SELECT status, submitted_at IS NOT NULL FROM site_order_items "
                          "WHERE domain = ?", (name,)).fetchall() == [("submitted", 1)]
    return name


def _settled_after_restart(sa: Served, sb: Served, user: ApiClient, name: str,
                           proxy: ProxyThread) -> None:
    """Back up, B's lifecycle settles the item by info once its call must be over."""
    def item():
        orders = user.get("/api/orders").body
        return next(i for o in orders for i in o["items"] if i["name"] == name)
    wait_for(f"{name} settled", lambda: item()["status"] == "done", 4 * TIMEOUT + 60, sb.log)
    assert name in [d["name"] for d in user.get("/api/domains").body]
    assert at_a(sa, "registrar1", lambda c: c.domain_info(name)).sponsor == "registrar1"
    assert sum(b"<domain:create" in f and name.encode() in f for f in proxy.proxy.seen) == 1


def _journey(sa: Served, sb: Served, user: ApiClient, a: Path, b: Path) -> None:
    assert {"alpha", "beta"} <= set(user.get("/api/tlds").body)
    label = f"ic{secrets.token_hex(4)}"
    name = f"{label}.alpha"

    # search: A's price (10.00) with B's markup for alpha, B's own for beta
    found = {r["name"]: r for r in user.get(f"/api/search?q={label}").body}
    assert found[name]["available"] is True
    assert found[name]["prices"]["create"] == 1000 * (100 + MARKUP) // 100
    assert found[f"{label}.beta"]["prices"]["create"] == 1000

    # buy: created at A by B's account; A charged B, B charged the user
    balance = user.get("/api/account").body["balance"]["amount"]
    order = user.post("/api/orders", {"items": [{"name": name}]})
    assert order.status == 201 and order.body["items"][0]["status"] == "done", order.body
    assert order.body["status"] == "done"
    info = at_a(sa, "registrar1", lambda c: c.domain_info(name))
    assert info.sponsor == "registrar1"
    assert user.get("/api/account").body["balance"]["amount"] == balance - 1200
    assert name in ok(a, "registrar", "ledger", "registrar1")

    # renew: one more year, from A's answer
    before = datetime.fromisoformat(user.get(f"/api/domains/{name}").body["expires_at"])
    renewed = user.post("/api/orders", {"items": [{"operation": "renew", "name": name}]})
    assert renewed.body["items"][0]["status"] == "done", renewed.body
    after = datetime.fromisoformat(user.get(f"/api/domains/{name}").body["expires_at"])
    assert after.year == before.year + 1

    # name servers with glue and DS: A's DNS delegates the name
    ns = f"ns1.{name}"
    assert user.request("PUT", f"/api/domains/{name}/nameservers", {"nameservers": [
        {"name": ns, "addresses": [GLUE]}]}).status == 200
    detail = user.post(f"/api/domains/{name}/ds", {"add": [
        {"key_tag": 4711, "algorithm": 13, "digest_type": 2, "digest": DIGEST}]})
    assert detail.status == 200, detail.body
    at_a_now = at_a(sa, "registrar1", lambda c: c.domain_info(name))
    assert at_a_now.ns == (ns,) and [d.key_tag for d in at_a_now.ds] == [4711]

    def delegated():
        reply = sa.dns(name, "NS")
        if reply is None or reply.rcode() != dns.rcode.NOERROR:
            return None
        sets = [r for r in reply.authority if r.rdtype == dns.rdatatype.NS]
        return reply if sets and sets[0].name.to_text() == f"{name}." else None
    wait_for(f"A's DNS delegates {name}", delegated, PUBLISH_TIMEOUT, sa.log)

    assert "matches the registry" in ok(b, "upstream", "reconcile", "alpha")

    # a failure at the registry: A raised its price after B quoted it; refused and refunded
    dear = f"dear{secrets.token_hex(3)}.alpha"
    assert user.get(f"/api/search?q={dear}").body[0]["prices"]["create"] == 1200
    ok(a, "price", "set", "alpha", "create", "15.00")

    async def a_price(c):
        [x] = await c.domain_check(f"probe{secrets.token_hex(3)}.alpha",
                                   fees=(FeeQuery("create"),))
        return x.fee.quote("create").total
    wait_for("A's eppd charges the new price",
             lambda: str(at_a(sa, "registrar2", a_price)) == "15.00", 30, sa.log)
    balance = user.get("/api/account").body["balance"]["amount"]
    failed = user.post("/api/orders", {"items": [{"name": dear}]})
    item = failed.body["items"][0]
    assert item["status"] == "failed", failed.body
    assert item["error"] == "alpha: the create fee is 15.00 USD; 10.00 was offered"
    assert failed.body["refunded"]["amount"] == 1200
    assert user.get("/api/account").body["balance"]["amount"] == balance
    assert at_a(sa, "registrar2", lambda c: c.domain_check(dear))[0].available

    # a transfer in from A's registrar2: B's poller makes the name the user's
    theirs, their_code = f"theirs{secrets.token_hex(3)}.alpha", secrets.token_urlsafe(24)
    at_a(sa, "registrar2", lambda c: c.domain_create(theirs, auth_info=their_code))
    moved = user.post("/api/orders", {"items": [
        {"operation": "transfer", "name": theirs, "auth_code": their_code}]})
    assert moved.body["items"][0]["status"] == "done", moved.body
    assert {d["name"]: d["state"] for d in user.get("/api/domains").body}[theirs] == \
        "transfer_pending"
    # approved by A (its pending period is 0 days here), as it would be after five
    wait_for(f"B's poller makes {theirs} the user's", lambda: (ok(a, "lifecycle", "run"), {
        d["name"]: d["state"] for d in user.get("/api/domains").body}[theirs] == "active")[1],
        90, sb.log)
    assert at_a(sa, "registrar1", lambda c: c.domain_info(theirs)).sponsor == "registrar1"

    # a transfer away to A's registrar2, approved by A: B's poller takes it off the account
    code = user.post(f"/api/domains/{name}/auth-code").body["auth_code"]
    at_a(sa, "registrar2", lambda c: c.domain_transfer("request", name, auth_info=code))
    wait_for("the user is told of the request",
             lambda: f"A transfer of {name} was requested" in subjects(b), 60, sb.log)
    wait_for("A approves the transfer",
             lambda: (ok(a, "lifecycle", "run"), at_a(sa, "registrar2", lambda c: c.domain_info(
                 name, auth_info=code)).sponsor == "registrar2")[1],
             60, sa.log)
    wait_for("B's poller removes the name",
             lambda: name not in [d["name"] for d in user.get("/api/domains").body],
             60, sb.log)
    wait_for("the user is told", lambda: f"{name} has left your account" in subjects(b),
             60, sb.log)
