"""Fixtures for the schema tests: one compiled validator per session, the reference folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from eppd.validation import EppValidator
from schemas import load_schema

# CI clones the repo into a fresh folder with shared/ beside it.
REFERENCE_EPP = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "epp"

conformance_counts = pytest.StashKey[dict[str, int]]()


@pytest.fixture(scope="session")
def validator() -> EppValidator:
    return EppValidator(load_schema())


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
    if counts is None:
        return
    terminalreporter.section("EPP schema conformance against the official XSDs")
    for key, value in counts.items():
        terminalreporter.write_line(f"{key}: {value}")
