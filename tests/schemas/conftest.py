"""Fixtures for the schema tests: one compiled validator per session, the reference folder."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# With a conftest.py in tests/, pytest puts tests/ on sys.path, where tests/schemas and
# tests/eppd would shadow the real packages as namespace packages (the editable install's
# finder runs after the path scan).  The repo root first keeps the imports below honest.
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from eppd.validation import EppValidator  # noqa: E402
from schemas import load_schema  # noqa: E402

# CI clones the repo into a fresh folder with shared/ beside it.
REFERENCE_EPP = REPO / ".." / "shared" / "reference" / "epp"

CONFORMANCE = "conformance"  # the user property carrying the counts


@pytest.fixture(scope="session")
def validator() -> EppValidator:
    return EppValidator(load_schema())


@pytest.fixture
def conformance_report(request: pytest.FixtureRequest) -> Iterator[dict[str, int]]:
    """Counts a test fills in; printed in the terminal summary. They travel in the test's
    report, so the counts of a pytest-xdist worker reach the process that prints them."""
    counts: dict[str, int] = {}
    yield counts
    request.node.user_properties.append((CONFORMANCE, counts))


@pytest.fixture(scope="session")
def reference_epp() -> Path:
    if not (REFERENCE_EPP / "frames" / "MANIFEST.tsv").is_file():
        pytest.skip(
            f"reference EPP material not found at {REFERENCE_EPP.resolve()}: "
            "the comparison with the official XSDs needs shared/reference/epp beside the repo"
        )
    return REFERENCE_EPP.resolve()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts: dict[str, int] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == CONFORMANCE:
                    counts = value
    if not counts:
        return
    terminalreporter.section("EPP schema conformance against the official XSDs")
    for key, value in counts.items():
        terminalreporter.write_line(f"{key}: {value}")
