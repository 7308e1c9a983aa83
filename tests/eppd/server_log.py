"""Reading the log of an eppd a test started (shared by the tests' server wrappers).

eppd writes its command log in batches (every LOG_FLUSH_SECONDS) and warnings and errors at
once, so a test waits for the lines it expects to appear; a line that must not be there
(a traceback, logged at ERROR) is already in the file when it matters.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.waiting import wait_for


class ServerLog:
    """Mixed into a dataclass with a ``log_path``."""

    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_mentions(self, text: str, timeout: float = 10.0) -> bool:
        """Wait for ``text`` to appear in the log."""
        try:
            wait_for(f"{text!r} in the log", lambda: text in self.log_text(), timeout)
        except AssertionError:
            return False
        return True

    def log_matching(self, pattern: str, timeout: float = 10.0,
                     enough: int = 1) -> list[str]:
        """Wait for ``enough`` matches of the regular expression ``pattern`` in the log
        (each a string, or a tuple of its groups, as re.findall gives them)."""
        return wait_for(f"{enough} lines matching {pattern!r} in the log",
                        lambda: (found := re.findall(pattern, self.log_text()))
                        and len(found) >= enough and found,
                        timeout, self.log_text)
