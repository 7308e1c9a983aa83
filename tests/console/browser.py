"""Logging in to the console in chromium (the browser, its tabs, axe-core and the
screenshots are the site's browser fixtures, tests/browser/conftest.py)."""

from __future__ import annotations

import time

import pyotp

from tests.browser.conftest import Tab


def log_in(tab: Tab, base: str, email: str, password: str) -> pyotp.TOTP:
    """A new operator's first login at /admin: the password, then the enrolment of the
    second factor the console asks for. The account's TOTP."""
    page = _password(tab, base, email, password, "#totp-secret")
    secret = page.text_content("#totp-secret")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code from your authenticator app").fill(totp.now())
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_selector("#recovery-codes")
    page.get_by_role("button", name="Continue to the console").click()
    tab.ready()
    return totp


def log_in_again(tab: Tab, base: str, email: str, password: str, totp: pyotp.TOTP) -> None:
    """An enrolled operator's login: the password, then the next time step's code (the
    step just used is refused: codes work once)."""
    page = _password(tab, base, email, password, "input[name=code]")
    page.get_by_label("Code from your authenticator app").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("#nav a")
    tab.ready()


def _password(tab: Tab, base: str, email: str, password: str, then: str):
    """The console's login form filled in, and what it asks next."""
    tab.goto(f"{base}/admin")
    page = tab.page
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector(then)
    return page
