"""How many sessions each registrar holds at once."""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections import Counter
from pathlib import Path
from typing import Protocol


class SessionLimiter(Protocol):
    def acquire(self, clid: str) -> bool:
        """Take one of ``clid``'s session slots; False when all are taken."""
        ...

    def release(self, clid: str) -> None: ...


class LocalSessionLimiter:
    """Slots counted in this process: right when one process serves every session."""

    def __init__(self, max_per_registrar: int) -> None:
        self._max = max_per_registrar
        self._held: Counter[str] = Counter()

    def acquire(self, clid: str) -> bool:
        if self._held[clid] >= self._max:
            return False
        self._held[clid] += 1
        return True

    def release(self, clid: str) -> None:
        self._held[clid] -= 1
        if self._held[clid] <= 0:
            del self._held[clid]


class FileLockSessionLimiter:
    """Slots shared by every worker process: slot i of a registrar is a file lock.

    flock(2) locks belong to an open file description, so two sessions in one process
    exclude each other as well, and the kernel drops a worker's locks when it dies: a
    crashed worker never leaves slots taken.
    """

    def __init__(self, directory: Path, max_per_registrar: int) -> None:
        self._directory = Path(directory)
        self._max = max_per_registrar
        self._held: dict[str, list[int]] = {}

    def acquire(self, clid: str) -> bool:
        # Hashed: a clid is any XML token and may hold characters a file name cannot.
        stem = hashlib.sha256(clid.encode()).hexdigest()[:32]
        for slot in range(self._max):
            fd = os.open(self._directory / f"{stem}.{slot}",
                         os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self._held.setdefault(clid, []).append(fd)
            return True
        return False

    def release(self, clid: str) -> None:
        fds = self._held.get(clid)
        if not fds:
            return
        os.close(fds.pop())  # closing the descriptor releases its lock
        if not fds:
            del self._held[clid]
