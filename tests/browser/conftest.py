"""The site in a real browser: Debian's chromium driven by Playwright (never a downloaded
browser), axe-core from npm (scripts/setup installs it under .cache/npm)."""

from __future__ import annotations

from tests.webui.conftest import site  # noqa: F401 - the site served by pyrar web serve
