"""What B must keep in step with at A, as phases of the two-instance test: the user's
registrant contact made and updated there, A's eppd killed while an order waits for it,
answers to a renew, a transfer request and a restore lost on the way, A's own
lifecycle (run with its clock a year ahead) auto-renewing, deleting and purging names B
sells, and the contacts at A of names transferred in."""

from __future__ import annotations

import json
import secrets
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from eppclient import Contact, PostalInfo
from tests.interconnect.instances import (
    at_a,
    at_a_db,
    domains,
    item,
    kill_eppd,
    lifecycle_at,
    ok,
)
from tests.interconnect.proxy_thread import ProxyThread
from tests.serve_stack import Served
from tests.waiting import wait_for
from tests.webui.api_client import ApiClient

SETTLE_DEADLINE = 120  # B's own settling of an item left submitted: 3 x 5 + 5 s, with room
DETAILS = {"name": "Ann Example", "org": "Example & Co", "street": ["1 Main Street"],
           "city": "Paris", "pc": "75001", "cc": "FR", "voice": "+33.123456789"}


def sent(proxy: ProxyThread, marker: bytes, name: str) -> int:
    """How many frames holding ``marker`` about ``name`` reached A."""
    return sum(marker in f and name.encode() in f for f in proxy.proxy.seen)


def buy(user: ApiClient, *names: str) -> None:
    order = user.post("/api/orders", {"items": [{"name": n} for n in names]})
    assert order.status == 201 and order.body["status"] == "done", order.body


def eppd_killed_mid_order(sa: Served, sb: Served, user: ApiClient, proxy: ProxyThread
                          ) -> None:
    """A's eppd is killed (SIGKILL, by PID) after it ran a create whose answer B still
    waits for: serve starts it again, and B's order completes by info once A answers;
    the create reached A once."""
    name = f"killed{secrets.token_hex(3)}.alpha"
    proxy.arm("stall", b"<domain:create")
    answered: dict = {}
    buying = threading.Thread(target=lambda: answered.update(
        order=user.post("/api/orders", {"items": [{"name": name}]})))
    buying.start()
    wait_for("A ran the create", lambda: at_a_db(
        sa, "SELECT 1 FROM domains WHERE name = ?", name), 60, sa.log)
    killed = kill_eppd(sa)
    buying.join(SETTLE_DEADLINE)
    assert not buying.is_alive() and answered["order"].status == 201, answered
    assert answered["order"].body["items"][0]["status"] in ("done", "submitted")
    wait_for("serve started A's eppd again", lambda: any(
        p.pid not in killed for p in sa.eppd()) and sa.epp_answers(), 60, sa.log)
    wait_for(f"{name} settled", lambda: item(user, name)["status"] == "done",
             SETTLE_DEADLINE, sb.log)
    assert domains(user)[name]["state"] == "active"
    assert at_a(sa, "registrar1", lambda c: c.domain_info(name)).sponsor == "registrar1"
    assert sent(proxy, b"<domain:create", name) == 1


def renew_and_transfer_lost(a: Path, sa: Served, sb: Served, user: ApiClient,
                            proxy: ProxyThread) -> None:
    """The connection drops after A ran a renew, then a transfer request: each settled by
    queries (the expiry moved on; the transfer pending, asked by us), neither sent again."""
    name = f"renewed{secrets.token_hex(3)}.alpha"
    buy(user, name)
    before = at_a(sa, "registrar1", lambda c: c.domain_info(name)).expires_at
    fault = proxy.arm("after", b"<domain:renew")
    renewed = user.post("/api/orders", {"items": [{"operation": "renew", "name": name}]})
    assert fault.struck.is_set()
    assert renewed.body["items"][0]["status"] == "done", renewed.body
    after = at_a(sa, "registrar1", lambda c: c.domain_info(name)).expires_at
    assert after.year == before.year + 1
    assert datetime.fromisoformat(domains(user)[name]["expires_at"]) == after
    assert sent(proxy, b"<domain:renew", name) == 1

    theirs, code = f"moved{secrets.token_hex(3)}.alpha", secrets.token_urlsafe(24)
    at_a(sa, "registrar2", lambda c: c.domain_create(theirs, auth_info=code))
    fault = proxy.arm("after", b"<domain:transfer")
    moved = user.post("/api/orders", {"items": [
        {"operation": "transfer", "name": theirs, "auth_code": code}]})
    assert fault.struck.is_set()
    assert moved.body["items"][0]["status"] == "done", moved.body
    # asked by us once (A's pending period is 0 days: approved as soon as A touches it)
    state = at_a(sa, "registrar2", lambda c: c.domain_transfer("query", theirs))
    assert state.requested_by == "registrar1" and state.status in ("pending",
                                                                   "serverApproved")
    assert sent(proxy, b'op="request"', theirs) == 1
    wait_for(f"B's poller makes {theirs} the user's", lambda: (
        ok(a, "lifecycle", "run"), domains(user)[theirs]["state"] == "active")[1], 90, sb.log)


def a_lifecycle(a: Path, sa: Served, sb: Served, user: ApiClient, proxy: ProxyThread
                ) -> None:
    """A's lifecycle, its clock at the names' expiry: a name the user renews automatically
    is charged on B; two the user let go are deleted back at A (redemption). One is
    restored (the answer to its request lost: settled, then its report sent); A's
    lifecycle 40 days on purges the other, and B's poller takes it off the account."""
    tag = secrets.token_hex(3)
    keep, back, gone = (f"{w}{tag}.alpha" for w in ("keep", "back", "gone"))
    buy(user, keep, back, gone)
    for name in (back, gone):
        assert user.request("PUT", f"/api/domains/{name}/auto-renew",
                            {"auto_renew": False}).status == 200
    expiry = max(at_a(sa, "registrar1", lambda c, n=n: c.domain_info(n)).expires_at
                 for n in (keep, back, gone))
    assert lifecycle_at(a, expiry + timedelta(hours=1)).domains >= 3

    wait_for(f"B charges the auto-renewal of {keep}", lambda: datetime.fromisoformat(
        domains(user)[keep]["expires_at"]).year == expiry.year + 1, 60, sb.log)
    ledger = user.get("/api/account/ledger").body
    assert any(e["description"] == f"auto-renewal of {keep}" for e in ledger), ledger
    wait_for("B deletes back what the user let go", lambda: all(
        domains(user)[n]["state"] == "redemption" for n in (back, gone)), 60, sb.log)
    for name in (back, gone):
        assert "redemptionPeriod" in at_a(
            sa, "registrar1", lambda c, n=name: c.domain_info(n)).rgp_statuses

    fault = proxy.arm("after", b'<rgp:restore op="request"')
    restored = user.post("/api/orders", {"items": [{"operation": "restore", "name": back}]})
    assert fault.struck.is_set()
    assert restored.body["items"][0]["status"] == "done", restored.body
    info = at_a(sa, "registrar1", lambda c: c.domain_info(back))
    assert not info.rgp_statuses and "pendingDelete" not in info.statuses, info
    assert domains(user)[back]["state"] == "active"
    assert sent(proxy, b'<rgp:restore op="request"', back) == 1
    assert sent(proxy, b'<rgp:restore op="report"', back) == 1

    lifecycle_at(a, datetime.now(UTC) + timedelta(days=40))
    assert not at_a_db(sa, "SELECT 1 FROM domains WHERE name = ?", gone)
    wait_for(f"B's poller takes {gone} off the account",
             lambda: gone not in domains(user), 60, sb.log)
    assert domains(user)[back]["state"] == "active"
    assert at_a(sa, "registrar1", lambda c: c.domain_info(back)).sponsor == "registrar1"


def registrant_at_a(sa: Served, user: ApiClient) -> None:
    """The user's registrant contact is made at A with their first name there and sent as
    its registrant (every disclose field withheld); a change of the details on B reaches
    A's copy."""
    assert user.request("PUT", "/api/account/contact", DETAILS).status == 200
    name = f"mine{secrets.token_hex(3)}.alpha"
    buy(user, name)
    handle = at_a(sa, "registrar1", lambda c: c.domain_info(name)).registrant
    assert handle
    held = at_a(sa, "registrar1", lambda c: c.contact_info(handle))
    [postal] = held.contact.postal
    assert (postal.name, postal.org, postal.street, postal.city, postal.cc) == (
        "Ann Example", "Example & Co", ("1 Main Street",), "Paris", "FR")
    assert held.sponsor == "registrar1" and held.contact.voice == "+33.123456789"
    assert held.contact.email == user.get("/api/account").body["email"]
    [(disclose,)] = at_a_db(sa, "SELECT disclose FROM contacts WHERE handle = ?", handle)
    withheld = json.loads(disclose)
    assert not withheld["flag"] and sorted(withheld["fields"]) == [
        "addr:int", "email", "fax", "name:int", "org:int", "voice"], disclose

    assert user.request("PUT", "/api/account/contact",
                        {**DETAILS, "city": "Lyon", "pc": "69001"}).status == 200
    [postal] = at_a(sa, "registrar1", lambda c: c.contact_info(handle)).contact.postal
    assert (postal.city, postal.pc) == ("Lyon", "69001")


def contacts_after_transfer_in(a: Path, sa: Served, sb: Served, user: ApiClient) -> None:
    """Names transferred in from A's registrar2 keep its contacts at A until B sets the
    user's, by each upstream's policy: alpha (``registrant``) gets the user's contact as
    registrant and registrar2's admin and tech removed; gamma (``--contacts none``) is
    never marked for it, so A keeps registrar2's."""
    assert user.request("PUT", "/api/account/contact", DETAILS).status == 200
    theirs = {}
    for tld in ("alpha", "gamma"):
        name, code = f"in{secrets.token_hex(3)}.{tld}", secrets.token_urlsafe(24)
        handle = f"r2-{secrets.token_hex(4)}"

        async def make(c, name=name, code=code, handle=handle):
            await c.contact_create(Contact(handle, "rex@example.org", (
                PostalInfo("Rex Two", "Oslo", "NO"),), auth_info=secrets.token_urlsafe(18)))
            await c.domain_create(name, auth_info=code, registrant=handle,
                                  contacts=(("admin", handle), ("tech", handle)))
        at_a(sa, "registrar2", make)
        theirs[tld] = (name, code, handle)
    moved = user.post("/api/orders", {"items": [
        {"operation": "transfer", "name": n, "auth_code": c} for n, c, _ in theirs.values()]})
    assert [i["status"] for i in moved.body["items"]] == ["done", "done"], moved.body
    wait_for("B's poller makes both names the user's", lambda: (ok(a, "lifecycle", "run"), all(
        domains(user)[n]["state"] == "active" for n, _, _ in theirs.values()))[1], 90, sb.log)

    name, _, handle = theirs["alpha"]
    info = wait_for(f"B sets the user's contacts on {name} at A", lambda: (
        i := at_a(sa, "registrar1", lambda c: c.domain_info(name))).registrant != handle and i,
        60, sb.log)
    assert info.contacts == (), info.contacts
    ours = at_a(sa, "registrar1", lambda c: c.contact_info(info.registrant))
    assert ours.sponsor == "registrar1" and ours.contact.postal[0].name == DETAILS["name"]
    assert at_a_db(sb, "SELECT contacts_due_at, contacts_error FROM site_domains "
                       "WHERE name = ?", name) == [(None, None)]

    name, _, handle = theirs["gamma"]
    assert at_a_db(sb, "SELECT contacts_due_at FROM site_domains WHERE name = ?",
                   name) == [(None,)]  # never due: nothing will be sent
    info = at_a(sa, "registrar1", lambda c: c.domain_info(name))
    assert info.sponsor == "registrar1" and info.registrant == handle
    assert sorted(info.contacts) == [("admin", handle), ("tech", handle)]
