"""Prints how long each fault took to heal, for docs/reliability.md."""

from __future__ import annotations

from tests.faults.fault_load import RECOVERY


def pytest_terminal_summary(terminalreporter) -> None:
    if RECOVERY:
        terminalreporter.section("recovery times (fault over -> a new create answered and "
                                 "published)")
        for fault, seconds in RECOVERY.items():
            terminalreporter.write_line(f"{fault:<22} {seconds:5.1f} s")
