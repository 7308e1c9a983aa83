"""A registrar session doing real work (domain:check and domain:info through the registry
core) in its own thread while the adversarial tests attack the same server: what "other
sessions are unaffected" is measured with."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from eppd_core_frames import info
from eppd_core_world import Epp


@dataclass(frozen=True)
class Round:
    at: float  # time.monotonic() when the round's answers were in
    codes: tuple[int, int]


class Probe:
    def __init__(self, epp: Epp, name: str) -> None:
        """``epp`` is logged in and used by this probe's thread only; ``name`` exists."""
        self._epp = epp
        self._name = name
        self._rounds: list[Round] = []
        self._errors: list[BaseException] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="probe", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    @property
    def errors(self) -> list[BaseException]:
        with self._lock:
            return list(self._errors)

    def rounds_since(self, mark: float) -> list[Round]:
        with self._lock:
            return [r for r in self._rounds if r.at >= mark]

    def served_since(self, mark: float, rounds: int = 3, timeout: float = 10.0) -> list[Round]:
        """Wait for ``rounds`` rounds after ``mark``; they and every round since must be 1000s,
        with no error on the probe's connection."""
        deadline = time.monotonic() + timeout
        while len(self.rounds_since(mark)) < rounds and time.monotonic() < deadline \
                and not self.errors:
            time.sleep(0.02)
        seen = self.rounds_since(mark)
        assert not self.errors, self.errors
        assert len(seen) >= rounds, f"only {len(seen)} probe rounds in {timeout} s"
        assert all(r.codes == (1000, 1000) for r in seen), seen
        return seen

    def _run(self) -> None:
        check = (f"<check><d:check><d:name>{self._name}</d:name>"
                 "<d:name>free-probe-name.example</d:name></d:check></check>")
        while not self._stop.is_set():
            try:
                checked = self._epp.command(check).code
                shown = info(self._epp, self._name).code
            except BaseException as e:  # recorded for the test thread to fail on
                with self._lock:
                    self._errors.append(e)
                return
            with self._lock:
                self._rounds.append(Round(time.monotonic(), (checked, shown)))
            self._stop.wait(0.01)
