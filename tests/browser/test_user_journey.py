"""A new user's whole journey in chromium against ``pyrar serve`` on a sandbox made by
``pyrar init``: register, read the mail in the sandbox's Maildir, verify, turn on 2FA and
log in with it, search an IDN and an emoji name, buy both, see them delegated in PowerDNS,
change name servers, add a DS record and see it in the TLD, host a name's DNS, sign the
zone and see its DS in the TLD, renew, give a name away (the demo user accepts it), log out.
Axe and screenshots on the pages the journey passes."""

from __future__ import annotations

import mailbox
import re
import secrets
import subprocess
import time
import uuid

import dns.dnssec
import dns.rcode
import dns.rdatatype
import pyotp
import pytest
from sqlalchemy import select

from registrar.config import RegistrarSettings
from registrar.core import RegistrarCore
from registrar.models import SiteUser
from registry.db import Database, make_engine
from registry.service import Registry
from tests.browser.conftest import Tab, check_page
from tests.serve_stack import (
    GLUE,
    PUBLISH_TIMEOUT,
    START_TIMEOUT,
    environment,
    make_sandbox,
    pyrar,
    serving,
)
from tests.waiting import wait_for
from tests.zonegen.zonegen_helpers import need_pdns

pytestmark = [pytest.mark.pdns, pytest.mark.slow]
PASSWORD = "a long journey password"
DIGEST = "4C" * 32


def mail_link(maildir, to: str, template: str, log) -> str:
    def link():
        try:  # serve's mail consumer may be making the Maildir's folders right now
            messages = list(mailbox.Maildir(maildir, create=False))
        except (FileNotFoundError, mailbox.NoSuchMailboxError):
            return None
        for msg in messages:
            if msg["To"] == to and msg["X-PyRar-Message"] == template:
                text = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
                found = re.search(r"https?://\S+token=[A-Za-z0-9_-]+",
                                  text.get_payload(decode=True).decode())
                return found[0] if found else None
        return None
    return wait_for(f"the {template} mail to {to}", link, START_TIMEOUT, log)


def fund(sandbox, email: str, amount: int) -> None:
    """An operator's credit (payments are another issue's): the core's own call."""
    registry = Registry(Database(make_engine(f"sqlite:///{sandbox / 'pyrar.sqlite3'}")))
    try:
        core = RegistrarCore(registry, RegistrarSettings())
        user_id = core.reads(lambda ctx: ctx.session.scalars(
            select(SiteUser.id).where(SiteUser.email == email)).one())
        core.add_funds(user_id, amount, "journey funds")
    finally:
        registry.close()


def test_a_new_users_journey(tmp_path, browser):
    need_pdns()
    sandbox = make_sandbox(tmp_path)
    # a signed hosted zone's DS may reach the TLD as soon as every server answers its keys
    # (production waits the zone's longest TTL, an hour), and the scheduler looks every second
    with open(sandbox / "pyrar.toml", "a") as config:   # [powerdns] is the file's last table
        config.write("hosted_hold_down = 0\nschedule_interval = 1\n")
    subprocess.run(pyrar("--config", str(sandbox / "pyrar.toml"), "tld", "set", "example",
                         "emoji_allowed=yes"), check=True, capture_output=True,
                   env=environment(), timeout=60)
    with serving(sandbox) as served:
        served.wait_ready()
        web = served.credentials["web"]
        url = web["url"]
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20_000)
        tab = Tab(page)
        page.on("pageerror", lambda e: tab.errors.append(f"uncaught: {e}"))
        ready = tab.ready

        # register, and verify with the mailed link
        email = f"j{uuid.uuid4().hex[:8]}@example.net"
        page.goto(url + "/register")
        ready()
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Password again").fill(PASSWORD)
        page.get_by_role("button", name="Register").click()
        page.get_by_text(f"We mailed a link to {email}").wait_for()
        page.goto(mail_link(sandbox / "mail", email, "verify", served.log))
        ready()
        page.get_by_text(f"{email} is verified").wait_for()
        assert "token" not in page.url  # the single-use token leaves the address bar
        fund(sandbox, email, 1_000_000)

        # log in, turn on two-factor, log out and in again with a code
        page.goto(url + "/login")
        ready()
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/domains$"))
        page.get_by_role("link", name="Account").click()
        page.get_by_role("button", name="Set up two-factor").click()
        page.locator("#totp-qr path").wait_for()
        check_page(tab, "journey-2fa-setup")
        totp = pyotp.TOTP(page.locator("#totp-secret").inner_text())
        page.get_by_label("Code from the app").fill(totp.now())
        page.get_by_role("button", name="Turn two-factor on").click()
        page.locator("#recovery-codes").wait_for()
        assert page.locator("#recovery-codes li").count() == 10
        page.get_by_role("button", name="Log out").click()
        page.get_by_text("You are logged out.").wait_for()
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/login/2fa"))
        # the next time step (one step of drift is allowed): enabling used this one
        page.get_by_label("Code", exact=True).fill(totp.at(time.time() + 30))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(re.compile(r"/domains$"))

        # search an IDN and an emoji name, put both in the cart, buy
        tag = secrets.token_hex(3)
        idn, emoji = f"bücher{tag}.example", f"{tag}🍕.example"
        page.get_by_role("link", name="Search").click()
        page.get_by_label("Domain name").fill(f"Bücher{tag}")
        page.get_by_role("button", name="Search").click()
        page.get_by_role("button", name=f"Add to cart: {idn}").click()
        page.get_by_label("Domain name").fill(tag)
        page.locator("summary", has_text="Emoji").click()
        page.get_by_role("button", name="Insert 🍕").click()
        page.get_by_role("button", name="Search").click()
        page.get_by_role("button", name=f"Add to cart: {emoji}").click()
        check_page(tab, "journey-search")
        page.get_by_role("link", name="Cart (2)").click()
        check_page(tab, "journey-cart")
        page.get_by_role("button", name="Buy now").click()
        page.locator("#order-outcome [role=status]", has_text="is done").wait_for()
        assert page.locator("#order-outcome .badge", has_text="done").count() == 2
        check_page(tab, "journey-order-done")

        # name servers: glue under the IDN, an outside server for the emoji name
        page.locator("#order-outcome a", has_text=idn).click()
        idn_ascii = served_name(page, idn)
        page.get_by_role("textbox", name="Name server").fill(f"ns1.{idn}")
        page.get_by_label("Glue addresses").fill(GLUE)
        save_nameservers(page)
        # a DS record
        page.get_by_label("Key tag").fill("4242")
        page.get_by_label("Digest (hex)").fill(DIGEST)
        page.get_by_role("button", name="Add DS").click()
        page.locator("#ds td", has_text="4242").wait_for()
        check_page(tab, "journey-domain")
        delegated(served, idn_ascii, f"ns1.{idn_ascii}.")
        ds = wait_for(f"the DS of {idn_ascii} in the TLD", lambda: answer(served, idn_ascii, "DS"),
                      PUBLISH_TIMEOUT, served.log)
        assert [(r.key_tag, r.digest.hex().upper()) for r in ds] == [(4242, DIGEST)]

        page.get_by_role("link", name="My domains").click()
        page.get_by_role("link", name=emoji).click()
        emoji_ascii = served_name(page, emoji)
        page.get_by_role("textbox", name="Name server").fill("ns.example.net")
        save_nameservers(page)
        delegated(served, emoji_ascii, "ns.example.net.")
        # change them: the TLD follows
        page.get_by_role("textbox", name="Name server").fill("ns2.example.net")
        save_nameservers(page)
        assert page.get_by_role("textbox", name="Name server").input_value() == "ns2.example.net"
        delegated(served, emoji_ascii, "ns2.example.net.")

        # host its DNS here: a record served by PowerDNS, then signing, step by step
        page.get_by_role("link", name="DNS records and signing").click()
        page.get_by_role("button", name="Host this name's DNS here").click()
        page.get_by_label("Name", exact=True).fill("www")
        page.get_by_label("Type").select_option("A")
        page.get_by_label("TTL (seconds)").fill("300")
        page.get_by_label("Record data").fill("192.0.2.300")
        page.get_by_role("button", name="Save record set").click()
        page.locator("#dns-records [role=alert]", has_text="not an IPv4 address").wait_for()
        page.get_by_label("Record data").fill("192.0.2.77")
        page.get_by_role("button", name="Save record set").click()
        page.locator("#dns-records [role=status]", has_text="www A saved").wait_for()
        # an owner name typed in Unicode: shown as typed, its A-label below, served by it
        page.get_by_label("Name", exact=True).fill("Bücher")
        page.get_by_label("TTL (seconds)").fill("300")
        page.get_by_label("Record data").fill("192.0.2.78")
        page.get_by_role("button", name="Save record set").click()
        page.locator("#dns-records [role=status]", has_text="Bücher A saved").wait_for()
        row = page.locator("#dns-records tr", has_text="192.0.2.78")
        assert row.locator(".owner").inner_text() == f"bücher.{emoji}."
        assert row.locator(".a-label").inner_text() == f"xn--bcher-kva.{emoji_ascii}."
        page.locator("#dns-applied", has_text="live").wait_for(timeout=PUBLISH_TIMEOUT * 1000)
        www = wait_for(f"www.{emoji_ascii} served",
                       lambda: answer(served, f"www.{emoji_ascii}", "A"), PUBLISH_TIMEOUT,
                       served.log)
        assert [a.address for a in www] == ["192.0.2.77"]
        idn_owner = answer(served, f"xn--bcher-kva.{emoji_ascii}", "A")
        assert [a.address for a in idn_owner] == ["192.0.2.78"]
        page.get_by_role("button", name="Sign the zone (DNSSEC)").click()
        # zonegen publishes the keys; the DS follows once every server answers them and the
        # hold-down has passed (the zone's longest TTL; none in this sandbox: see above)
        page.locator("#dns-steps li.done", has_text="Keys made and published").wait_for(
            timeout=PUBLISH_TIMEOUT * 1000)
        page.locator("#dns-steps li.done", has_text="The DS record is in the TLD").wait_for(
            timeout=PUBLISH_TIMEOUT * 1000)
        assert page.locator("#dns-dnssec").inner_text() == "signed"
        check_page(tab, "journey-dns")
        # the TLD serves the DS of the key the hosted zone answers with
        ds = wait_for(f"the DS of {emoji_ascii} in the TLD",
                      lambda: answer(served, emoji_ascii, "DS"), PUBLISH_TIMEOUT, served.log)
        keys = answer(served, emoji_ascii, "DNSKEY")
        sep = [k for k in keys if k.flags & 1]
        assert sep and {(r.key_tag, r.digest) for r in ds} == {
            (dns.dnssec.key_id(k), dns.dnssec.make_ds(f"{emoji_ascii}.", k, "SHA256").digest)
            for k in sep}
        page.get_by_role("link", name=f"Back to {emoji}").click()
        page.locator("#ds td", has_text=str(ds[0].key_tag)).wait_for()

        # renew: a year more
        expires = page.locator("#domain-expires").inner_text()
        page.get_by_role("button", name="Renew", exact=True).click()
        page.locator("#renew [role=status]", has_text="is done").wait_for()
        later = f"{int(expires[:4]) + 1}{expires[4:]}"
        page.locator("#domain-expires", has_text=later).wait_for()

        # give it to the demo user, who accepts it with the mailed link
        page.get_by_label("Their email").fill(web["user"]["email"])
        page.get_by_role("button", name="Give the name").click()
        page.get_by_text("The gift is mailed").wait_for()
        link = mail_link(sandbox / "mail", web["user"]["email"], "gifted", served.log)
        other = browser.new_context().new_page()
        other.goto(link)
        other.wait_for_url(re.compile(r"/login\?next="))
        other.get_by_label("Email").fill(web["user"]["email"])
        other.get_by_label("Password").fill(web["user"]["password"])
        other.get_by_role("button", name="Log in").click()
        other.get_by_role("button", name="Accept the name").click()
        other.get_by_text(f"{emoji_ascii} is yours").wait_for()
        other.context.close()
        page.get_by_role("link", name="My domains").click()
        page.get_by_role("link", name=idn).wait_for()
        assert page.get_by_role("link", name=emoji).count() == 0

        page.get_by_role("button", name="Log out").click()
        page.get_by_text("You are logged out.").wait_for()
        check_page(tab, "journey-logged-out")
        context.close()


def save_nameservers(page) -> None:
    with page.expect_response(lambda r: r.url.endswith("/nameservers")) as response:
        page.get_by_role("button", name="Save name servers").click()
    assert response.value.status == 200, response.value.text()
    page.locator("#nameservers [role=status]", has_text="saved").wait_for()


def served_name(page, unicode_name: str) -> str:
    """The A-label form the domain page shows under its heading."""
    page.locator("h1", has_text=unicode_name).wait_for()
    return page.locator("#domain p.mono").inner_text()


def answer(served, name: str, rdtype: str):
    reply = served.dns(name, rdtype)
    wanted = dns.rdatatype.from_text(rdtype)
    found = [r for r in (reply.answer if reply else []) if r.rdtype == wanted]
    return found[0] if found else None


def delegated(served, name: str, target: str) -> None:
    def check():
        reply = served.dns(name, "NS")
        if reply is None or reply.rcode() != dns.rcode.NOERROR:
            return None
        ns = [r for r in reply.authority if r.rdtype == dns.rdatatype.NS]
        return ns and [r.target.to_text() for r in ns[0]] == [target]
    wait_for(f"PowerDNS delegates {name} to {target}", check, PUBLISH_TIMEOUT, served.log)
