"""Fixtures for the schema tests: one compiled validator per session, the reference folder."""

from __future__ import annotations

import sys
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

conformance_counts = pytest.StashKey[dict[str, int]]()


@pytest.fixture(scope="session")
def validator() -> EppValidator:
    return EppValidator(load_schema())


@pytest.fixture
def conformance_report(request: pytest.FixtureRequest) -> dict[str, int]:
    """Counts a test fills in; printed in the terminal summary."""
    counts: dict[str, int] = {}
    request.config.stash[conformance_counts] = counts
    return counts


@pytest.fixture(scope="session")
def reference_epp() -> Path:
    if not (REFERENCE_EPP / "frames" / "MANIFEST.tsv").is_file():
        pytest.skip(
            f"reference EPP material not found at {REFERENCE_EPP.resolve()}: "
            "the comparison with the official XSDs needs shared/reference/epp beside the repo"
        )
    return REFERENCE_EPP.resolve()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    counts = terminalreporter.config.stash.get(conformance_counts, None)
    if not counts:
        return
    terminalreporter.section("EPP schema conformance against the official XSDs")
    for key, value in counts.items():
        terminalreporter.write_line(f"{key}: {value}")
