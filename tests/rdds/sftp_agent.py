"""An escrow agent's SFTP server on loopback (asyncssh's server, its loop in a thread), with
the registry's client key and the known_hosts line that names the agent's host key."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import asyncssh


class FailingOnce(asyncssh.SFTPServer):
    """Refuses to open, once, each file whose name ends with one of ``fail_once``."""

    fail_once: set[str] = set()

    def open(self, path: bytes, pflags: int, attrs):
        for suffix in list(self.fail_once):
            if path.decode().endswith(suffix):
                self.fail_once.discard(suffix)
                raise asyncssh.SFTPFailure("disk full")
        return super().open(path, pflags, attrs)


class SftpAgent:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.inbox = root / "inbox"
        self.inbox.mkdir(parents=True)
        host_key = asyncssh.generate_private_key("ssh-ed25519")
        client_key = asyncssh.generate_private_key("ssh-ed25519")
        self.client_key = root / "registry-sftp-key"
        client_key.write_private_key(str(self.client_key))
        self.client_key.chmod(0o600)
        self._host_key = host_key
        self._authorized = asyncssh.import_authorized_keys(
            client_key.export_public_key().decode())
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.server = self._call(self._listen())
        self.port = self.server.sockets[0].getsockname()[1]
        self.known_hosts = root / "known_hosts"
        self.known_hosts.write_text(self.known_hosts_line(host_key))

    def known_hosts_line(self, key) -> str:
        return f"[127.0.0.1]:{self.port} {key.export_public_key().decode()}"

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(30)

    async def _listen(self):
        chroot = str(self.root).encode()
        return await asyncssh.listen(
            "127.0.0.1", 0, server_host_keys=[self._host_key],
            authorized_client_keys=self._authorized, config=None,
            sftp_factory=lambda chan: FailingOnce(chan, chroot=chroot))

    def stop(self) -> None:
        async def close():
            self.server.close()
            await self.server.wait_closed()
        self._call(close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
