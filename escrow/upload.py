"""Sending deposits to the escrow agent by SFTP (Specification 2, part A, section 6).

What is sent: each deposit's ``.ryde`` and its ``.sig`` (the ``.rep`` report is ICANN's, not
the agent's). What was sent is recorded in ``state.json``; a run sends what is not recorded,
so a failed run is finished by the next one, and a run repeated sends nothing twice.

Each file is written under a temporary name and renamed into place once whole: the agent
never picks up half a deposit. A file already whole at the agent (a run that stopped between
the rename and the record) is recorded without being sent again. The ``.ryde`` goes before
its ``.sig``: an agent that waits for the signature finds the deposit complete.

The client is asyncssh: it is maintained, asyncio native, speaks SFTP (and serves it, which
the tests use on loopback) without OpenSSH binaries, and checks the agent's host key
against a known_hosts file; there is no way here to turn that check off.
"""

from __future__ import annotations

import asyncio
import logging
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import asyncssh

from . import state as deposit_state
from .config import EscrowSettings

log = logging.getLogger("pyrar.escrow")
UPLOADED = "_uploaded"   # the state's key (no TLD name starts with '_')
SENT = (".ryde", ".sig")


class UploadError(Exception):
    """The upload failed; one line for the operator (the next run tries again)."""


@dataclass
class Uploaded:
    sent: list[str] = field(default_factory=list)        # sent this run
    present: list[str] = field(default_factory=list)     # found whole at the agent


@dataclass(frozen=True)
class Destination:
    host: str
    port: int
    user: str
    key: Path
    known_hosts: Path
    directory: str
    timeout: float

    @classmethod
    def from_settings(cls, settings: EscrowSettings, resolve: Callable[[str], Path]
                      ) -> Destination | None:
        if not settings.sftp_host:
            return None
        return cls(settings.sftp_host, settings.sftp_port, settings.sftp_user,
                   resolve(settings.sftp_key), resolve(settings.sftp_known_hosts),
                   settings.sftp_dir, settings.sftp_seconds)


def pending(out_dir: Path) -> list[Path]:
    """The deposit files not yet recorded as uploaded, oldest deposit first, each
    ``.ryde`` before its ``.sig``; a ``.ryde`` without its signature waits for it."""
    done = deposit_state.load(out_dir).get(UPLOADED, {})
    files = []
    for ryde in sorted(out_dir.glob("*.ryde")):
        sig = ryde.with_suffix(".sig")
        if sig.is_file():
            files += [p for p in (ryde, sig) if p.name not in done]
    return files


def upload(destination: Destination, out_dir: Path, now: Callable[[], datetime]
           ) -> Uploaded:
    """Send what is pending; each file is recorded as soon as it is in place."""
    files = pending(out_dir)
    result = Uploaded()
    if not files:
        return result
    try:
        asyncio.run(asyncio.wait_for(_send(destination, out_dir, files, now, result),
                                     destination.timeout))
    except (OSError, asyncssh.Error, TimeoutError) as e:
        reason = _reason(e)
        log.error("escrow upload to %s:%s failed, %d file(s) left for the next run: %s",
                  destination.host, destination.port, len(files) - len(result.sent)
                  - len(result.present), reason)
        raise UploadError(f"upload to {destination.host}:{destination.port}: {reason}"
                          ) from None
    return result


async def _send(destination: Destination, out_dir: Path, files: list[Path],
                now: Callable[[], datetime], result: Uploaded) -> None:
    async with asyncssh.connect(
            destination.host, destination.port, username=destination.user,
            client_keys=[str(destination.key)], known_hosts=str(destination.known_hosts),
            config=None, agent_path=None, password=None, kbdint_auth=False,
            preferred_auth="publickey") as connection, connection.start_sftp_client() as sftp:
        for path in files:
            target = posixpath.join(destination.directory, path.name)
            size = path.stat().st_size
            if await sftp.exists(target) and (await sftp.stat(target)).size == size:
                result.present.append(path.name)
            else:
                part = posixpath.join(destination.directory, f".{path.name}.part")
                await sftp.put(str(path), part)
                await _replace(sftp, part, target)
                result.sent.append(path.name)
                log.info("escrow: %s uploaded to %s:%s", path.name, destination.host,
                         target)
            _record(out_dir, path.name, now())


async def _replace(sftp: asyncssh.SFTPClient, part: str, target: str) -> None:
    """Rename over an existing file: SFTP v3's rename refuses, OpenSSH's posix-rename
    extension does not; without it the old (partial) file is removed first."""
    try:
        await sftp.posix_rename(part, target)
        return
    except asyncssh.SFTPOpUnsupported:
        pass
    if await sftp.exists(target):
        await sftp.remove(target)
    await sftp.rename(part, target)


def _record(out_dir: Path, name: str, when: datetime) -> None:
    deposit_state.update(out_dir, lambda state: state.setdefault(UPLOADED, {}).update(
        {name: when.isoformat()}))


def _reason(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "timed out ([escrow] sftp_seconds)"
    if isinstance(error, asyncssh.HostKeyNotVerifiable):
        return f"the agent's host key is not the one in [escrow] sftp_known_hosts ({error})"
    text = getattr(error, "reason", "") or getattr(error, "strerror", "") or str(error)
    return " ".join(str(text).split()) or type(error).__name__
