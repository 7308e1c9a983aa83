"""``scripts/apt-install`` (what ``scripts/setup`` installs Debian packages with) waits for
another apt-get or dpkg instead of failing at once.

It runs against a private apt root (``APT_CONFIG``: its own package lists, dpkg status and
lock files under tmp_path, nothing read from or written to the machine's apt), whose locks
the test holds the way apt does (fcntl), so the machine's own package manager is never
blocked or touched.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "apt-install"
TIMEOUT = 120.0
# a package the private dpkg status has installed: 'install' takes the locks, then has
# nothing to do
PACKAGE = "pyrar-lock-test"
STATUS = f"""Package: {PACKAGE}
Status: install ok installed
Priority: optional
Section: misc
Maintainer: PyRar tests <tests@example.invalid>
Architecture: all
Version: 1.0
Description: a package the apt lock test finds installed

"""

pytestmark = pytest.mark.skipif(shutil.which("apt-get") is None, reason="no apt-get here")


@pytest.fixture
def root(tmp_path) -> Path:
    root = tmp_path / "apt"
    for d in ("etc/apt/apt.conf.d", "etc/apt/preferences.d", "etc/apt/sources.list.d",
              "var/lib/apt/lists/partial", "var/cache/apt/archives/partial", "var/lib/dpkg",
              "var/log/apt"):
        (root / d).mkdir(parents=True)
    (root / "etc/apt/sources.list").write_text("")
    (root / "var/lib/dpkg/status").write_text(STATUS)
    (root / "apt.conf").write_text(
        f'Dir "{root}/";\nDir::State::status "{root}/var/lib/dpkg/status";\n')
    return root


def start(root: Path, log: Path, wait: int = 120) -> subprocess.Popen:
    env = {**os.environ, "APT_CONFIG": str(root / "apt.conf"), "APT_LOCK_WAIT": str(wait)}
    with open(log, "wb") as out:
        return subprocess.Popen([SCRIPT, PACKAGE], env=env, stdout=out,
                                stderr=subprocess.STDOUT)


def hold(path: Path) -> IO[str]:
    """Lock ``path`` as apt and dpkg do (fcntl); closing the file releases it."""
    f = open(path, "a+")  # noqa: SIM115 - the caller releases the lock by closing it
    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return f


def wait_for(what: str, check: Callable[[], bool], log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {TIMEOUT:.0f} s\n{log.read_text()}")
        time.sleep(0.1)


def installer_sleeping() -> bool:
    """Whether an 'apt-get install' sleeps: between its tries for a lock (reading lists and
    installing never sleep)."""
    for proc in Path("/proc").iterdir():
        try:
            if not proc.name.isdigit():
                continue
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            if b"install" in argv and any(a.endswith(b"apt-get") for a in argv) and (
                    "sleep" in (proc / "wchan").read_text()):
                return True
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return False


def test_waits_for_the_package_lists_then_for_dpkg(root, tmp_path):
    log = tmp_path / "apt-install.log"
    lists = hold(root / "var/lib/apt/lists/lock")          # another 'apt-get update'
    frontend = hold(root / "var/lib/dpkg/lock-frontend")   # another 'apt-get install'
    process = start(root, log)
    try:
        wait_for("it waits for the package lists", lambda: (
            "another apt-get holds the package lists; waiting (up to 120 s)"
            in log.read_text()), log)
        assert process.poll() is None
        lists.close()
        # apt's "Waiting for cache lock" may sit in its buffered stdout: an 'apt-get install'
        # asleep between tries for the lock the test holds says the same
        wait_for("it waits for dpkg's lock", lambda: process.poll() is None and (
            "Waiting for cache lock" in log.read_text() or installer_sleeping()), log)
        frontend.close()
        assert process.wait(TIMEOUT) == 0, log.read_text()
    finally:
        lists.close()
        frontend.close()
        if process.poll() is None:
            process.kill()
            process.wait()
    assert f"{PACKAGE} is already the newest version" in log.read_text()


def test_gives_up_once_apt_lock_wait_has_passed(root, tmp_path):
    log = tmp_path / "apt-install.log"
    with hold(root / "var/lib/apt/lists/lock"):
        assert start(root, log, wait=0).wait(TIMEOUT) == 1
    assert "Could not get lock" in log.read_text()


def test_other_failures_are_not_waited_for(root, tmp_path):
    log = tmp_path / "apt-install.log"
    (root / "etc/apt/sources.list").write_text("deb this-is-not-a-source\n")
    assert start(root, log).wait(TIMEOUT) == 1
    text = log.read_text()
    assert "waiting" not in text and "Malformed" in text, text
