"""Reading the log of an eppd a test started (shared by the tests' server wrappers)."""

from __future__ import annotations

import time
from pathlib import Path

from eppd.worker import LOG_FLUSH_SECONDS


class ServerLog:
    """Mixed into a dataclass with a ``log_path``."""

    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def settled_log_text(self) -> str:
        """The log once the server has written what it buffered (eppd flushes its command
        log every LOG_FLUSH_SECONDS, warnings at once)."""
        time.sleep(LOG_FLUSH_SECONDS + 0.2)
        return self.log_text()

    def log_mentions(self, text: str, timeout: float = 3.0) -> bool:
        """Wait for ``text`` to appear in the log (it is written asynchronously)."""
        deadline = time.monotonic() + timeout
        while text not in self.log_text():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True
