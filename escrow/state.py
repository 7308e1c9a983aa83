"""``state.json`` beside the deposits: each TLD's last deposit (its id and watermark, which a
differential deposit starts from) and the files uploaded to the escrow agent.

The deposit and the upload may run in two processes at once (``pyrar escrow upload`` while
the scheduler deposits): each change is a read-modify-write under an exclusive lock on
``state.lock``, and the file is replaced whole, never left half written.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

STATE = "state.json"
LOCK = "state.lock"


def load(out_dir: Path) -> dict:
    path = out_dir / STATE
    return json.loads(path.read_text()) if path.exists() else {}


def update(out_dir: Path, change: Callable[[dict], None]) -> dict:
    """Apply ``change`` to the state under the lock and save it; the new state."""
    with _locked(out_dir):
        state = load(out_dir)
        change(state)
        tmp = out_dir / f".{STATE}.tmp"
        tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
        tmp.replace(out_dir / STATE)
        return state


@contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
