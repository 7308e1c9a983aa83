"""The console in a real browser: Debian's chromium driven by Playwright (never a downloaded
browser: ``executable_path``), axe-core from npm (scripts/setup puts it in .cache/npm) run
on every page, screenshots at 1280 and 375 px in test-results/console/.

The same conventions as the site's browser tests: a shell marks ``body[data-ready]`` once
its module ran, and a page loading marks ``main[aria-busy]``."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(os.environ.get("PYRAR_TEST_OUTPUT", REPO / "test-results")) / "console"
WIDTHS = {"desktop": (1280, 900), "phone": (375, 740)}


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (scripts/setup installs it)")
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run scripts/setup")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        # --no-sandbox: the tests run as root, where chromium refuses its own sandbox
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=["--no-sandbox"])
        yield chromium
        chromium.close()


@dataclass
class Tab:
    """A page with what it reported: console errors, uncaught exceptions, CSP violations."""

    page: object
    errors: list[str] = field(default_factory=list)

    def goto(self, url: str) -> None:
        self.page.goto(url)
        self.ready()

    def ready(self) -> None:
        self.page.wait_for_selector("body[data-ready='true']")
        self.page.wait_for_selector("main[aria-busy='true']", state="detached")

    def click(self, selector: str) -> None:
        self.page.click(selector)
        self.ready()


@pytest.fixture
def tab(browser) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    t = Tab(page)
    page.on("console", lambda m: m.type == "error" and not m.text.startswith(
        "Failed to load resource") and t.errors.append(m.text))
    page.on("pageerror", lambda e: t.errors.append(f"uncaught: {e}"))
    page.set_default_timeout(15_000)
    yield t
    context.close()


def check_page(tab: Tab, name: str) -> None:
    """The page at both widths: a screenshot each, no serious or critical axe violation,
    nothing wider than the screen at 375 px, no error in the browser's console."""
    page = tab.page
    SHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    try:
        for width_name, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(SHOTS / f"{_safe(name)}-{width_name}.png"),
                            full_page=True)
            if not page.evaluate("typeof window.axe !== 'undefined'"):
                # evaluated by the driver, not as a script of the page: the CSP stays on
                page.evaluate(AXE.read_text())
            result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            serious = [{"id": v["id"], "help": v["help"],
                        "nodes": [n["html"][:160] for n in v["nodes"][:3]]}
                       for v in result["violations"]
                       if v["impact"] in ("serious", "critical")]
            assert not serious, f"{name} at {width} px: {serious}"
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"{name} is {wide} px wide at {width} px"
    finally:
        page.set_viewport_size(original)
    assert not tab.errors, f"{name}: {tab.errors}"


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


def _safe(name: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
