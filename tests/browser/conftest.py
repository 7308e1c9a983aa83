"""The site in a real browser: Debian's chromium driven by Playwright (never a downloaded
browser: ``executable_path``), one browser a module; axe-core from npm (scripts/setup puts
it in .cache/npm) run on every page; screenshots in test-results/browser/."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.webui.conftest import site  # noqa: F401 - the site served by pyrar web serve

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(os.environ.get("PYRAR_TEST_OUTPUT", REPO / "test-results")) / "browser"
WIDTHS = {"desktop": (1280, 900), "phone": (375, 740)}
# --no-sandbox: the tests run as root, where chromium refuses its own sandbox. The rest keep
# chromium on loopback (scripts/loopback-audit caught it asking the machine's resolver for
# update.googleapis.com and accounts.google.com): no name is resolved at all - the tests
# address the site by IP - and no background service starts.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-domain-reliability",
    "--no-pings",
    "--disable-features=DnsOverHttps,OptimizationHints,MediaRouter,Translate,"
    "CertificateTransparencyComponentUpdater,AutofillServerCommunication",
]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (scripts/setup installs it)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=CHROMIUM_ARGS)
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
        """The shell has started (its module ran) and no page is still loading."""
        self.page.wait_for_selector("body[data-ready='true']")
        self.page.wait_for_selector("main [aria-busy='true']", state="detached")


@pytest.fixture
def tab(browser) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    t = Tab(page)
    # a refused request is reported by the page itself (and logged by chromium as well)
    page.on("console", lambda m: m.type == "error" and not m.text.startswith(
        "Failed to load resource") and t.errors.append(m.text))
    page.on("pageerror", lambda e: t.errors.append(f"uncaught: {e}"))
    page.set_default_timeout(15_000)
    yield t
    context.close()


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations of the page as it is now."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run scripts/setup")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluated by the driver, as a script of the page would not be: the CSP stays on
        page.evaluate(AXE.read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["html"][:200] for n in v["nodes"][:3]]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def check_page(tab: Tab, name: str) -> None:
    """The page at both widths: a full-page screenshot each, no serious or critical axe
    violation, nothing wider than the screen at 375 px, no error in the console."""
    page = tab.page
    SHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    try:
        for width_name, (width, height) in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(SHOTS / f"{safe(name)}-{width_name}.png"), full_page=True)
            violations = axe_violations(page)
            assert not violations, f"{name} at {width} px: {violations}"
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, f"{name} is {overflow} px wide at {width} px"
    finally:
        page.set_viewport_size(original)
    assert not tab.errors, f"{name}: {tab.errors}"


def safe(name: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
