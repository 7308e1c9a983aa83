"""The registrar site as ``pyrar init`` and ``pyrar serve`` make it: its URL announced, the
demo user buys a name, sets name servers with glue and a DS record, and the TLD's DNS
(PowerDNS, published by zonegen from the events the site's commands wrote) delegates it;
a new user registers and verifies with the link from the sandbox's Maildir."""

from __future__ import annotations

import mailbox
import re
import secrets

import dns.rcode
import dns.rdatatype
import pytest

from tests.serve_stack import GLUE, PUBLISH_TIMEOUT, START_TIMEOUT, make_sandbox, serving, site_of
from tests.waiting import wait_for
from tests.webui.api_client import ApiClient
from tests.zonegen.zonegen_helpers import need_pdns

pytestmark = [pytest.mark.pdns, pytest.mark.slow]
DIGEST = "3B" * 32


def test_buy_delegate_and_sign_through_the_site(tmp_path):
    need_pdns()
    sandbox = make_sandbox(tmp_path)
    with serving(sandbox) as served:
        web = site_of(served)
        client = ApiClient(web["url"])
        assert client.login(web["user"]["email"], web["user"]["password"]).status == 200
        name = f"site{secrets.token_hex(4)}.example"
        order = client.post("/api/orders", {"items": [{"name": name}]})
        assert order.status == 201 and order.body["items"][0]["status"] == "done", order.body
        ns = f"ns1.{name}"
        assert client.request("PUT", f"/api/domains/{name}/nameservers", {"nameservers": [
            {"name": ns, "addresses": [GLUE]}]}).status == 200
        assert client.post(f"/api/domains/{name}/ds", {"add": [
            {"key_tag": 4242, "algorithm": 13, "digest_type": 2, "digest": DIGEST}]}
            ).status == 200

        def delegated():
            reply = served.dns(name, "NS")
            if reply is None or reply.rcode() != dns.rcode.NOERROR:
                return None
            ns_sets = [r for r in reply.authority if r.rdtype == dns.rdatatype.NS]
            return reply if ns_sets and ns_sets[0].name.to_text() == f"{name}." else None

        reply = wait_for(f"PowerDNS delegates {name}", delegated, PUBLISH_TIMEOUT, served.log)
        ns_set = next(r for r in reply.authority if r.rdtype == dns.rdatatype.NS)
        assert [r.target.to_text() for r in ns_set] == [f"{ns}."]
        glue = [r for r in reply.additional if r.rdtype == dns.rdatatype.A]
        assert [[a.address for a in g] for g in glue] == [[GLUE]]

        def ds():
            answer = served.dns(name, "DS")
            found = [r for r in (answer.answer if answer else []) if r.rdtype == dns.rdatatype.DS]
            return found[0] if found else None
        ds_set = wait_for(f"the DS of {name} in the parent", ds, PUBLISH_TIMEOUT, served.log)
        assert [(r.key_tag, r.digest.hex().upper()) for r in ds_set] == [(4242, DIGEST)]

        # DNS hosting: zonegen (another process) applies what the site asked for
        hosted = f"host{secrets.token_hex(4)}.example"
        assert client.post("/api/orders", {"items": [{"name": hosted}]}).status == 201
        assert client.post(f"/api/domains/{hosted}/dns", {}).status == 201
        zone = client.request("PUT", f"/api/domains/{hosted}/dns/records", {"records": [
            {"name": "www", "type": "A", "ttl": 300, "contents": ["192.0.2.77"]}]})
        assert zone.status == 200 and zone.body["revision"] == 2, zone.body

        def www():
            answer = served.dns(f"www.{hosted}", "A")
            found = [r for r in (answer.answer if answer else []) if r.rdtype == dns.rdatatype.A]
            return [a.address for a in found[0]] if found else None
        assert wait_for(f"www.{hosted} served", www, PUBLISH_TIMEOUT, served.log) == \
            ["192.0.2.77"]
        assert client.request("PUT", f"/api/domains/{hosted}/dns/signed",
                              {"signed": True}).status == 200

        def signing():
            body = client.get(f"/api/domains/{hosted}/dns").body
            return body if body["applied"] and body["dnssec"] == "signing" else None
        state = wait_for(f"{hosted} being signed", signing, PUBLISH_TIMEOUT, served.log)
        assert state["step"] in ("keys-published", "keys-served") and state["delegated"]

        # a new user, verified by the link mailed into the sandbox's Maildir
        newcomer = ApiClient(web["url"])
        assert newcomer.post("/api/account", {"email": "new@example.net",
                                              "password": "a long new password"}).status == 201

        def link():
            try:  # serve's mail consumer may be making the Maildir's folders right now
                messages = list(mailbox.Maildir(sandbox / "mail", create=False))
            except (FileNotFoundError, mailbox.NoSuchMailboxError):
                return None
            for msg in messages:
                if msg["To"] == "new@example.net":
                    text = msg.get_payload()[0].get_payload(decode=True).decode()
                    return re.search(r"token=([A-Za-z0-9_-]+)", text)[1]
            return None
        token = wait_for("the verification mail", link, START_TIMEOUT, served.log)
        assert newcomer.post("/api/account/verify", {"token": token}).body["verified"]
