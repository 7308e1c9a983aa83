"""Every console page in chromium against the live site (SQLite): an operator enrols the
second factor at first login and logs in with it after; each page passes axe-core at 1280
and 375 px with screenshots; data holding markup shows as text; the CSP holds."""

from __future__ import annotations

import re
import uuid

import pytest

from registrar.config import RegistrarSettings
from registrar.core import RegistrarCore
from registrar.models import SiteUpstreamMessage
from registry.admin.registrars import get_registrar
from registry.flows.context import Actor
from registry.flows.domain_create import DomainCreate
from tests.browser.conftest import browser, check_page, tab  # noqa: F401
from tests.console.browser import log_in, log_in_again
from tests.console.test_console_upstreams import define
from tests.webui.conftest import site  # noqa: F401

PASSWORD = "correct horse battery"
SETTINGS = RegistrarSettings(argon2_time_cost=1, argon2_memory_kib=256, argon2_parallelism=1)
MARKUP = "<img src=x onerror=alert(1)>"


# one database is enough for the pages
pytestmark = pytest.mark.parametrize("site", ["sqlite"], indirect=True)


def test_every_console_page(site, tab, tmp_path):  # noqa: F811
    core = RegistrarCore(site.registry, SETTINGS)
    upstream = f"far{uuid.uuid4().hex[:6]}"
    define(site, tmp_path, upstream, (upstream,), None)
    site.registry.run(lambda ctx: ctx.session.add(SiteUpstreamMessage(
        upstream=upstream, msg_id="1", received_at=ctx.now, summary=MARKUP)),
        Actor.operator("t"))
    email = f"root-{uuid.uuid4().hex[:6]}@registry.test"
    core.register(email, PASSWORD, role="superuser", verified=True)
    victim = core.register(f"x{uuid.uuid4().hex[:6]}@example.net", PASSWORD, verified=True)
    house = site.registry.run(lambda ctx: get_registrar(ctx, "house").id, Actor.operator("t"))
    name = f"page{uuid.uuid4().hex[:6]}.example"
    site.registry.execute(DomainCreate(name, authinfo="Str0ng-Auth-Info!x9-Qz7#Lp2"),
                          Actor.registrar(house, "house"))

    totp = log_in(tab, site.url, email, PASSWORD)
    check_page(tab, "console-overview")
    page = tab.page
    # a reason holding markup, shown as text wherever it appears
    page.goto(f"{site.url}/admin/users/{victim.id}")
    tab.ready()
    page.get_by_role("form", name="Lock").get_by_label("Reason").fill(MARKUP)
    page.get_by_role("button", name="Lock the account").click()
    page.wait_for_selector("text=Unlock the account")
    tab.ready()
    for path, title in [
            ("/admin/tlds", "tlds"), ("/admin/tlds/example", "tld"),
            ("/admin/registrars", "registrars"), ("/admin/registrars/house", "registrar"),
            (f"/admin/domains?q={name}", "domains"), (f"/admin/domains/{name}", "domain"),
            ("/admin/zones", "zones"), ("/admin/zones/example", "zone"),
            ("/admin/events", "outbox"), ("/admin/poll", "poll"),
            ("/admin/poll/house", "poll-queue"), ("/admin/users?q=example.net", "users"),
            (f"/admin/users/{victim.id}", "user"), ("/admin/orders", "orders"),
            ("/admin/mails", "mails"), ("/admin/upstreams", "upstreams"),
            (f"/admin/upstreams/{upstream}", "upstream"), ("/admin/audit", "audit"),
            ("/admin/search?q=page", "search")]:
        tab.goto(site.url + path)
        assert page.locator("h1").count() == 1, path
        assert "Something went wrong" not in page.text_content("main"), path
        check_page(tab, f"console-{title}")
    # the upstreams list links each one's page; a message holding markup shows as text
    tab.goto(f"{site.url}/admin/upstreams")
    page.click(f"main a:text('{upstream}')")
    page.wait_for_selector(f"h1:text('Upstream {upstream}')")
    assert re.search("not polled yet|failing", page.text_content("main"))  # port 700: no EPP
    assert MARKUP in page.text_content("main") and page.locator("main img").count() == 0
    tab.goto(f"{site.url}/admin/audit")
    assert MARKUP in page.text_content("#audit")
    assert page.locator("#audit img").count() == 0
    # links between records: the search finds the name, its page links its registrar
    tab.goto(f"{site.url}/admin/search?q={name}")
    page.click(f"main a:text('{name}')")
    page.wait_for_selector(f"h1:text('{name}')")
    page.click("main a:text('house')")
    page.wait_for_selector("h1:text('Registrar house')")
    assert page.url.endswith("/admin/registrars/house")
    # logging out, and in again with the code
    page.get_by_role("button", name="Log out").click()
    page.wait_for_selector("text=Operators' console")
    log_in_again(tab, site.url, email, PASSWORD, totp)
    assert page.text_content(".role") == "superuser"


def test_the_csp_blocks_html_strings_in_the_console(site, tab):  # noqa: F811
    tab.goto(f"{site.url}/admin")
    refused = tab.page.evaluate("""() => {
        try { document.body.innerHTML = '<b>x</b>'; return false; }
        catch (e) { return e instanceof TypeError; } }""")
    assert refused
