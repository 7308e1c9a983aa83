"""Every page of the registrar site in chromium, at 1280 and 375 px: screenshots, axe-core,
no overflow, no console error; the pages work by keyboard and show the API's messages; a
name and a contact holding markup show it as text."""

from __future__ import annotations

import re
import uuid

import pytest

from registry.admin.registrars import add_registrar
from registry.admin.tlds import add_premium
from registry.billing import credit
from registry.flows.context import Actor
from registry.flows.domain_transfer import DomainTransferRequest
from tests.browser.conftest import check_page
from tests.webui.test_api_journeys import PASSWORD, end_add_grace, new_user

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module", params=["sqlite"])
def site(request, site):  # one database is enough in a browser
    return site


@pytest.fixture(scope="module")
def user(site):
    """A verified user with funds, registrant details holding markup, and two names."""
    client, email = new_user(site, funds=100_000)
    assert client.request("PUT", "/api/account/contact", {
        "name": XSS, "city": "Berlin", "cc": "DE"}).status == 200
    label = f"pg{uuid.uuid4().hex[:8]}"
    order = client.post("/api/orders", {"items": [{"name": f"{label}.example"},
                                                  {"name": f"bücher{label}.test"}]})
    assert [i["status"] for i in order.body["items"]] == ["done", "done"], order.body
    return {"email": email, "client": client, "label": label, "order": order.body["id"]}


def log_in(tab, site, user):
    tab.goto(site.url + "/login")
    page = tab.page
    page.get_by_label("Email").fill(user["email"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/domains$"))
    tab.ready()


def test_anonymous_pages(tab, site):
    for path, name, heading in [("/", "search", "Find a domain name"),
                                ("/login", "login", "Log in"),
                                ("/register", "register", "Register"),
                                ("/reset", "reset", "Reset your password"),
                                ("/cart", "cart-empty", "Cart"),
                                ("/no/such/page", "not-found", "Page not found")]:
        tab.goto(site.url + path)
        assert tab.page.locator("h1").inner_text() == heading
        check_page(tab, name)


def test_search_idn_emoji_and_reasons(tab, site):
    site.registry.run(lambda ctx: add_premium(ctx, "example", "gold", regex=False,
                                              currency="USD", prices={"create": 250_000},
                                              class_name="gold-tier"),
                      Actor.operator("test"))
    page = tab.page
    tab.goto(site.url + "/")
    # a premium name: its class and its price beside the standard one
    page.get_by_label("Domain name").fill("gold")
    page.get_by_role("button", name="Search").click()
    row = page.locator("#search-results tr", has_text="gold.example")
    row.locator(".badge", has_text="Premium: gold-tier").wait_for()
    assert "$2,500.00" in row.inner_text()
    assert "$10.00" in page.locator("#search-results tr", has_text="gold.test").inner_text()
    page.get_by_label("Domain name").fill("Bücher")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#search-results")
    results.get_by_text("bücher.example").wait_for()
    assert "xn--bcher-kva.example" in results.inner_text()
    # the emoji picker types where the caret is; the TLD's policy says no, in words
    page.get_by_label("Domain name").fill("pizza")
    page.locator("summary", has_text="Emoji").click()
    page.get_by_role("button", name="Insert 🍕").click()
    assert page.get_by_label("Domain name").input_value() == "pizza🍕"
    page.get_by_role("button", name="Search").click()
    page.locator("#search-results h2", has_text="pizza🍕").wait_for()
    check_page(tab, "search-results")
    page.get_by_label("Domain name").fill("nic")
    page.get_by_role("button", name="Search").click()
    page.locator("#search-results").get_by_text("Registry operations").wait_for()
    # bad input: the API's message, not a blank page
    page.get_by_label("Domain name").fill("www.sub.example")
    page.get_by_role("button", name="Search").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "without subdomains" in alert.inner_text()


def test_logged_in_pages(tab, site, user):
    log_in(tab, site, user)
    page = tab.page
    label = user["label"]
    assert page.locator("h1").inner_text() == "My domains"
    page.locator(".locks", has_text="none").first.wait_for()
    check_page(tab, "domains")
    for path, name, heading in [
            ("/account", "account", "Your account"),
            ("/account/ledger", "ledger", "Ledger"),
            ("/account/funds", "funds", "Add funds"),
            ("/orders", "orders", "Orders"),
            (f"/orders/{user['order']}", "order", f"Order #{user['order']}"),
            ("/notifications", "notifications", "Notifications"),
            (f"/domains/{label}.example", "domain", f"{label}.example"),
            (f"/domains/bücher{label}.test", "domain-idn", f"bücher{label}.test"),
            # this site has no hosting name servers: the page says so
            (f"/domains/{label}.example/dns", "dns-none", f"DNS of {label}.example")]:
        tab.goto(site.url + path)
        assert page.locator("h1").inner_text() == heading
        check_page(tab, name)


def test_markup_in_user_data_shows_as_text(tab, site, user):
    log_in(tab, site, user)
    page = tab.page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.goto(site.url + f"/domains/{user['label']}.example")
    assert page.locator("#contact-name").inner_text().startswith(XSS)
    tab.goto(site.url + "/account")
    assert page.get_by_label("Name", exact=True).input_value() == XSS
    # a search for it: shown as typed, as text
    tab.goto(site.url + "/search?q=" + "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E")
    page.locator("#search-results h2", has_text=XSS).wait_for()
    assert page.locator("main img").count() == 0 and not dialogs
    # a key named with markup: the API's refusal, in its words
    tab.goto(site.url + "/account")
    page.get_by_label("Key name").fill(XSS)
    page.get_by_role("button", name="Create key").click()
    page.locator("#api-keys [role=alert]", has_text="name the key").wait_for()
    assert page.locator("main img").count() == 0 and not dialogs


def test_search_and_buy_by_keyboard(tab, site, user):
    log_in(tab, site, user)
    page = tab.page
    tab.goto(site.url + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    page.keyboard.press("Enter")
    name = f"kb{user['label']}"
    page.get_by_label("Domain name").focus()
    page.keyboard.type(name)
    page.keyboard.press("Enter")
    add = page.get_by_role("button", name=f"Add to cart: {name}.example")
    add.wait_for()
    while page.evaluate("document.activeElement.getAttribute('aria-label')") != \
            f"Add to cart: {name}.example":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Cart (1)").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cart$"))
    page.get_by_role("button", name="Buy now").focus()
    page.keyboard.press("Enter")
    page.locator("#order-outcome [role=status]", has_text="is done").wait_for()
    # the result takes the focus from the button the empty cart hid; the next Tab goes to
    # the order's table (it scrolls on a phone), then its first name; focus is always shown
    assert "is done" in page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('role')") == "region"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == f"{name}.example"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_name_servers_keep_their_glue(tab, site, user):
    """The page cannot show a glue host's addresses; sending the list back keeps them."""
    name = f"{user['label']}.example"
    assert user["client"].request("PUT", f"/api/domains/{name}/nameservers", {"nameservers": [
        {"name": f"ns1.{name}", "addresses": ["192.0.2.1"]}]}).status == 200
    log_in(tab, site, user)
    page = tab.page
    tab.goto(site.url + f"/domains/{name}")
    page.get_by_role("button", name="Add a name server").click()
    page.get_by_role("textbox", name="Name server").nth(1).fill("ns.example.net")
    page.get_by_role("button", name="Save name servers").click()
    page.locator("#nameservers [role=status]", has_text="saved").wait_for()
    hosts = page.get_by_role("textbox", name="Name server")
    assert sorted(hosts.nth(i).input_value() for i in range(hosts.count())) == [
        "ns.example.net", f"ns1.{name}"]


def test_messages_are_listed_and_marked_read(tab, site):
    """The messages the site sent (a receipt not mailed, as the user chose): counted in the
    menu, listed newest first, marked read one by one or all at once."""
    client, email = new_user(site, funds=10_000)
    assert client.request("PUT", "/api/account/mail-preferences",
                          {"opt_outs": ["receipt"]}).status == 200
    label = f"nt{uuid.uuid4().hex[:8]}"
    order = client.post("/api/orders", {"items": [{"name": f"{label}.example"}]}).body
    receipt = f"Receipt for order {order['id']}"
    log_in(tab, site, {"email": email})
    page = tab.page
    page.get_by_role("link", name="Notifications (2)").click()
    tab.ready()
    messages = page.locator("#message-list li")
    assert [re.sub(r"\s+\d{4}-\d\d-\d\d .*", "", messages.nth(i).inner_text(), flags=re.S)
            for i in range(2)] == [
        f"new {receipt}", "new Confirm your email address"]
    check_page(tab, "notifications-messages")
    page.get_by_role("button", name=f"Mark read: {receipt}").click()
    page.locator("#unread-count", has_text="1 unread").wait_for()
    page.get_by_role("link", name="Notifications (1)").wait_for()
    assert page.locator("#message-list li.read", has_text=receipt).count() == 1
    page.get_by_role("link", name=receipt).click()
    page.wait_for_url(re.compile(rf"/orders/{order['id']}$"))
    page.go_back()
    tab.ready()
    page.get_by_role("button", name="Mark all read").click()
    page.locator("#unread-count", has_text="No unread messages.").wait_for()
    assert page.locator("#message-list li.unread").count() == 0
    assert page.get_by_role("link", name="Notifications", exact=True).count() == 1
    assert client.get("/api/notifications").body["unread"] == 0
    assert not tab.errors, tab.errors


def test_a_released_name_is_restored_from_its_page(tab, site):
    """Released after its add grace, the name goes to redemption at the registry and stays
    on the holder's list; its page shows the restore fee, and restoring charges just that."""
    client, email = new_user(site, funds=20_000)
    name = f"rs{uuid.uuid4().hex[:8]}.example"
    assert client.post("/api/orders", {"items": [{"name": name}]}).body["status"] == "done"
    end_add_grace(site, name)
    log_in(tab, site, {"email": email})
    page = tab.page
    tab.goto(site.url + f"/domains/{name}")
    auto_renew = page.get_by_label("Renew automatically from my balance before expiry")
    assert auto_renew.is_checked()              # offered for an active name
    page.get_by_label(f"Yes, release {name}").check()
    page.get_by_role("button", name="Release").click()
    page.wait_for_url(re.compile(r"/domains$"))
    tab.ready()
    page.get_by_role("link", name=name).click()
    tab.ready()
    page.locator("#domain-state", has_text="redemption").wait_for()
    fee = client.get(f"/api/search?q={name}").body[0]["prices"]["restore"]
    shown = f"${fee / 100:,.2f}"
    page.locator("#restore-fee", has_text=f"Restore fee: {shown}.").wait_for()
    assert page.locator("#nameservers, #gift, #release").count() == 0  # nothing to change
    # nor auto-renew: the reason is shown instead of the checkbox
    assert page.locator("#auto-renew").count() == 0
    assert "Restore it" in page.locator("#auto-renew-na").inner_text()
    check_page(tab, "domain-redemption")
    balance = client.get("/api/account").body["balance"]["amount"]
    page.get_by_role("button", name="Restore the name").click()
    page.locator("#renew [role=status]", has_text=re.compile(
        rf"is done: \D*{re.escape(shown[1:])} paid")).wait_for()
    assert page.locator("#domain-state").inner_text() == "active"
    assert auto_renew.is_checked()              # active again: offered again
    assert client.get("/api/account").body["balance"]["amount"] == balance - fee
    assert not tab.errors, tab.errors


def test_a_transfer_away_is_rejected_or_approved(tab, site, user):
    """Another registrar asks for two names with their auth codes: the notifications say so,
    the holder rejects one on its page and approves the other."""
    gaining = site.registry.run(_gaining_registrar, Actor.operator("test"))
    client = user["client"]
    kept, away = f"kept{user['label']}.example", f"away{user['label']}.example"
    order = client.post("/api/orders", {"items": [{"name": kept}, {"name": away}]})
    assert [i["status"] for i in order.body["items"]] == ["done", "done"], order.body
    for name in (kept, away):
        assert client.request("PUT", f"/api/domains/{name}/locks",
                              {"transfer": False}).status == 200
        code = client.post(f"/api/domains/{name}/auth-code").body["auth_code"]
        site.registry.execute(DomainTransferRequest(name, code), gaining)
    log_in(tab, site, user)
    page = tab.page
    page.get_by_role("link", name="Notifications").click()
    page.locator("#notes li", has_text=f"Another registrar asked to take {kept}").wait_for()
    page.get_by_role("link", name=kept).first.click()
    page.get_by_role("button", name="Reject it (keep the name)").click()
    page.locator("#transfer-away").wait_for(state="detached")
    assert "pendingTransfer" not in page.locator("#overview").inner_text()
    tab.goto(site.url + f"/domains/{away}")
    page.get_by_role("button", name="Approve the transfer away").click()
    page.wait_for_url(re.compile(r"/domains$"))
    page.get_by_role("link", name=kept).wait_for()
    assert page.get_by_role("link", name=away).count() == 0


def _gaining_registrar(ctx) -> Actor:
    registrar = add_registrar(ctx, "gaining", password="gaining-pw-1", credit_limit=0)
    credit(ctx, registrar.id, 1_000_000, "payment", None, "test funds")
    return Actor.registrar(registrar.id, "gaining")
