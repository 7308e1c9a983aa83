"""Server transaction identifiers (svTRID), unique across workers and restarts."""

from __future__ import annotations

import itertools
import secrets


class SvTridSource:
    """``<prefix>-<random per process>-<counter>``; one instance per worker process."""

    def __init__(self, prefix: str = "PYRAR") -> None:
        # Random per process rather than the pid: pids repeat after restarts.
        self._stem = f"{prefix}-{secrets.token_hex(5)}-"
        self._counter = itertools.count(1)

    def next(self) -> str:
        return f"{self._stem}{next(self._counter)}"
