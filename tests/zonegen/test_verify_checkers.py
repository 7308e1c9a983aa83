"""zone verify's offline checkers run as long as they work: a hung one (no CPU) is stopped,
a slow one (a million delegations on a busy machine) is not. No PowerDNS needed."""

from __future__ import annotations

import sys

from zonegen.verify import run_while_progressing

BUSY = "import time\nwhile time.process_time() < 1.5:\n    pass\nprint('done')"


def test_a_checker_that_uses_no_cpu_is_stopped_as_hung() -> None:
    rc, out = run_while_progressing([sys.executable, "-c", "import time; time.sleep(600)"],
                                     stall=1.0, poll=0.2)
    assert rc == 124 and "used no CPU for 1s" in out, (rc, out)


def test_a_checker_working_longer_than_the_stall_limit_runs_to_its_end() -> None:
    rc, out = run_while_progressing([sys.executable, "-c", BUSY], stall=1.0, poll=0.2)
    assert (rc, out) == (0, "done")


def test_a_missing_checker_is_named() -> None:
    assert run_while_progressing(["pyrar-no-such-checker"], stall=1.0) == (
        127, "pyrar-no-such-checker is not installed")
