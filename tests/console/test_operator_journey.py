"""An operator's day in chromium against ``pyrar serve`` on a sandbox: the sandbox's admin
logs in (enrolling the second factor at first, with its code after), adds a TLD with
prices and a premium rule and tests it, credits a registrar, puts a server hold on a name
the demo user bought and sees PowerDNS stop delegating it, and reads it all in the audit
log; axe-core on every page on the way."""

from __future__ import annotations

import secrets

import dns.rcode
import dns.rdatatype
import pytest

from tests.browser.conftest import browser, check_page, tab  # noqa: F401
from tests.console.browser import log_in, log_in_again
from tests.serve_stack import GLUE, PUBLISH_TIMEOUT, make_sandbox, serving, site_of
from tests.waiting import wait_for
from tests.webui.api_client import ApiClient
from tests.zonegen.zonegen_helpers import need_pdns

pytestmark = [pytest.mark.pdns, pytest.mark.slow]


def delegated(served, name: str) -> bool:
    reply = served.dns(name, "NS")
    if reply is None or reply.rcode() != dns.rcode.NOERROR:
        return False
    ns_sets = [r for r in reply.authority if r.rdtype == dns.rdatatype.NS]
    return bool(ns_sets) and ns_sets[0].name.to_text() == f"{name}."


def test_an_operators_day(tmp_path, tab):  # noqa: F811
    need_pdns()
    sandbox = make_sandbox(tmp_path)
    with serving(sandbox) as served:
        web = site_of(served)
        url, admin = web["url"], web["admin"]
        # the demo user's name, delegated with glue
        user = ApiClient(url)
        assert user.login(web["user"]["email"], web["user"]["password"]).status == 200
        name = f"ops{secrets.token_hex(4)}.example"
        order = user.post("/api/orders", {"items": [{"name": name}]})
        assert order.body["items"][0]["status"] == "done", order.body
        assert user.request("PUT", f"/api/domains/{name}/nameservers", {"nameservers": [
            {"name": f"ns1.{name}", "addresses": [GLUE]}]}).status == 200
        wait_for(f"PowerDNS delegates {name}", lambda: delegated(served, name),
                 PUBLISH_TIMEOUT, served.log)

        page = tab.page
        totp = log_in(tab, url, admin["email"], admin["password"])
        page.get_by_role("button", name="Log out").click()
        page.wait_for_selector("text=Operators' console")
        log_in_again(tab, url, admin["email"], admin["password"], totp)
        check_page(tab, "console-journey-overview")

        # a TLD with prices and a premium rule
        tab.goto(f"{url}/admin/tlds")
        tld = f"j{secrets.token_hex(3)}"
        page.get_by_role("form", name="Add a TLD").get_by_label("Name").fill(tld)
        page.get_by_role("button", name="Add the TLD").click()
        page.wait_for_url(f"**/admin/tlds/{tld}")
        tab.ready()

        def published():
            reply = served.dns(tld, "SOA")
            return reply is not None and reply.rcode() == dns.rcode.NOERROR and any(
                r.rdtype == dns.rdatatype.SOA for r in reply.answer)
        # published at once with [powerdns] tld_nameservers, as 'pyrar tld add' does
        wait_for(f"PowerDNS serves the new TLD {tld}", published, PUBLISH_TIMEOUT, served.log)
        prices = page.get_by_role("form", name="Set a price")
        for operation, amount in (("create", "12.00"), ("renew", "12.00")):
            prices.get_by_label("Operation").select_option(operation)
            prices.get_by_label("Price").fill(amount)
            page.get_by_role("button", name="Set the price").click()
            page.wait_for_selector(f"td:text('{operation}')")
            tab.ready()
            prices = page.get_by_role("form", name="Set a price")
        rule = page.get_by_role("form", name="Add a premium rule")
        rule.get_by_label("Label or regular expression").fill("^.{1,3}$")
        rule.get_by_label("It is a regular expression").check()
        rule.get_by_label("Class").fill("short")
        rule.get_by_label("create price").fill("500.00")
        page.get_by_role("button", name="Add the rule").click()
        page.wait_for_selector("td:text('short')")
        tab.ready()
        tester = page.get_by_role("form", name="Test a name")
        tester.get_by_label("Name to test").fill("abc")
        page.get_by_role("button", name="Which rule?").click()
        page.wait_for_selector("dd:text('regex ^.{1,3}$ (short)')")
        assert "500.00 USD (short)" in page.text_content("main")
        check_page(tab, "console-journey-tld")

        # credit a registrar
        tab.goto(f"{url}/admin/registrars/registrar1")
        before = page.text_content("#balance")
        credit = page.get_by_role("form", name="Credit or debit")
        credit.get_by_label("Amount").fill("250.00")
        credit.get_by_label("Reason").fill("wire 2026-12-02")
        page.get_by_role("button", name="Record it").click()
        page.wait_for_selector("td:text('wire 2026-12-02')")
        tab.ready()
        assert page.text_content("#balance") != before
        check_page(tab, "console-journey-registrar")

        # a server hold takes the name out of DNS
        tab.goto(f"{url}/admin/domains/{name}")
        holds = page.get_by_role("form", name="Server locks and holds")
        holds.get_by_label("serverHold").check()
        holds.get_by_label("Reason").fill("abuse report 42")
        page.get_by_role("button", name="Apply").click()
        page.wait_for_selector("#statuses:has-text('serverHold')")
        tab.ready()
        check_page(tab, "console-journey-domain")
        wait_for(f"PowerDNS stops delegating {name}", lambda: not delegated(served, name),
                 PUBLISH_TIMEOUT, served.log)

        # the audit log tells who did what
        tab.goto(f"{url}/admin/audit")
        log = page.text_content("#audit")
        for action in ("tld.add", "tld.price", "tld.premium.add", "registrar.credit",
                       "domain.statuses"):
            assert action in log, action
        assert f"operator:{admin['email']}" in log and "abuse report 42" in log
        check_page(tab, "console-journey-audit")
