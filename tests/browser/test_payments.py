"""Topping up in chromium with Stripe Checkout: the funds page sends the user to the
provider's page (the local Stripe Checkout stand-in, another origin on loopback), the user
pays there and comes back to the payment's page, which follows the payment until the
signed webhook credits the account, once; the balance and the ledger show it. Both orders:
the user back before the webhooks (held until the page shows it waiting), and the webhooks
before the user. And the user who comes back without paying."""

from __future__ import annotations

import re
import secrets

import pytest

from tests.browser.conftest import check_page
from tests.browser.test_site_pages import log_in
from tests.payments.conftest import STRIPE_SECRET
from tests.payments.fake_providers import Running
from tests.payments.stripe_checkout import run_on
from tests.webui.conftest import running_site
from tests.webui.test_api_journeys import new_user


@pytest.fixture(scope="module")
def stripe_fake():
    running = Running()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def paying_site(tmp_path_factory, sqlite_template, stripe_fake):
    directory = tmp_path_factory.mktemp("paying-browser")
    extra = f"""
[payments]
min_amount = 100
[payments.stripe]
api_base = "{stripe_fake.url}"
"""
    env = {"PYRAR_PAYMENTS_STRIPE_SECRET_KEY": "sk_test_browser",
           "PYRAR_PAYMENTS_STRIPE_WEBHOOK_SECRET": STRIPE_SECRET}
    with running_site(directory, "sqlite", sqlite_template, extra, env) as running:
        checkout = stripe_fake.fake.checkout
        checkout.webhook_url = f"{running.url}/api/payments/webhooks/stripe"
        checkout.webhook_secret = STRIPE_SECRET
        yield running


def start_top_up(tab, site, stripe_url: str, amount: str) -> None:
    """From the funds page to Stripe's checkout page for ``amount``."""
    page = tab.page
    tab.goto(site.url + "/account/funds")
    page.get_by_label("Amount (USD)").fill(amount)
    page.get_by_label("Pay with").select_option(label="Card (Stripe)")
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url(re.compile(re.escape(stripe_url) + r"/c/pay/cs_test_\w+$"))
    assert page.locator("h1").inner_text() == f"Pay {amount}.00 USD"


def test_a_top_up_by_card_is_credited_once(tab, paying_site, stripe_fake):
    site, checkout = paying_site, stripe_fake.fake.checkout
    client, email = new_user(site)
    log_in(tab, site, {"email": email})
    page = tab.page
    tab.goto(site.url + "/account/funds")
    check_page(tab, "funds-by-card")

    # back before the webhooks: the page waits, then follows the payment to paid
    checkout.hold_webhooks = True
    try:
        start_top_up(tab, site, checkout.url, "25")
        page.get_by_role("button", name="Pay").click()
        page.wait_for_url(re.compile(r"/payments/\d+$"))
        tab.ready()
        status = page.locator("#payment [role=status]")
        assert "Waiting for the provider" in status.inner_text()
        assert page.locator("#payment-status").inner_text() == "pending"
        assert client.get("/api/account").body["balance"]["amount"] == 0
    finally:
        checkout.hold_webhooks = False
    run_on(stripe_fake, checkout.release())
    assert [text for _, _, text in checkout.delivered] == ["credited", "noted"]
    status.filter(has_text="25.00 arrived and is on your balance").wait_for()
    assert page.locator("#payment-status").inner_text() == "paid"
    check_page(tab, "payment-paid")

    # the webhooks before the user: the page shows it paid at once
    start_top_up(tab, site, checkout.url, "10")
    page.get_by_role("button", name="Pay").click()
    page.wait_for_url(re.compile(r"/payments/\d+$"))
    tab.ready()
    page.locator("#payment [role=status]", has_text="10.00 arrived").wait_for()
    assert [text for _, _, text in checkout.delivered[2:]] == ["credited", "noted"]

    # the ledger and the balance: each payment once
    tab.goto(site.url + "/account/ledger")
    assert page.locator("#ledger-balance").inner_text() == "35.00"
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    texts = [rows.nth(i).inner_text() for i in range(2)]
    assert all("payment" in t and "by stripe cs_test_" in t for t in texts)
    assert "10.00" in texts[0] and "25.00" in texts[1]
    check_page(tab, "ledger-paid")
    assert client.get("/api/account").body["balance"]["amount"] == 3500
    ledger = client.get("/api/account/ledger").body
    assert [(e["kind"], e["amount"]["amount"]) for e in ledger] == [
        ("payment", 1000), ("payment", 2500)]

    # back without paying: told so, nothing charged, the provider's page still offered
    start_top_up(tab, site, checkout.url, "5")
    page.get_by_role("link", name="Back to the site").click()
    page.wait_for_url(re.compile(r"/payments/\d+\?cancelled=1$"))
    tab.ready()
    assert "without paying" in page.locator("#payment [role=status]").inner_text()
    assert page.get_by_role("link", name="Go to the provider's payment page").count() == 1
    check_page(tab, "payment-cancelled")
    assert client.get("/api/account").body["balance"]["amount"] == 3500


def test_a_cart_the_balance_cannot_pay_is_paid_by_card(tab, paying_site, stripe_fake):
    """The cart offers "Pay by card" for what the balance lacks; paid on the stand-in's
    page (its webhooks before the user is back), the cart page follows the payment until
    its order is done; the payment and the order are each in the ledger once."""
    site, checkout = paying_site, stripe_fake.fake.checkout
    client, email = new_user(site, funds=300)
    log_in(tab, site, {"email": email})
    page = tab.page
    name = f"bycard{secrets.token_hex(3)}.example"
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Domain name").fill(name)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name=f"Add to cart: {name}").click()
    page.get_by_role("link", name="Cart (1)").click()
    offer = page.locator("#pay-by")
    offer.filter(has_text="7.00").wait_for()  # the order's 10.00 less the balance's 3.00
    check_page(tab, "cart-pay-by-card")
    assert page.get_by_role("button", name="Buy now").is_hidden()  # it would be refused
    page.get_by_role("button", name="Pay by card").click()
    page.wait_for_url(re.compile(re.escape(checkout.url) + r"/c/pay/cs_test_\w+$"))
    assert page.locator("h1").inner_text() == "Pay 7.00 USD"
    delivered = len(checkout.delivered)
    page.get_by_role("button", name="Pay").click()
    page.wait_for_url(re.compile(r"/cart\?payment=\d+$"))
    tab.ready()
    page.locator("#order-outcome [role=status]", has_text="is done").wait_for()
    assert page.locator("#order-outcome .badge", has_text="done").count() == 1
    check_page(tab, "cart-paid-by-card")
    assert [text for _, _, text in checkout.delivered[delivered:]] == ["credited", "noted"]
    assert client.get("/api/account").body["balance"]["amount"] == 0
    ledger = client.get("/api/account/ledger").body
    assert [(e["kind"], e["amount"]["amount"]) for e in ledger[:2]] == [
        ("order", -1000), ("payment", 700)]
    (order,) = client.get("/api/orders").body
    assert order["status"] == "done" and order["items"][0]["name"] == name
