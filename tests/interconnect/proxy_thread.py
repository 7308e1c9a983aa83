"""tests/eppclient/epp_proxy.py's answer-losing EPP proxy on an event loop of its own
thread, between a PyRar instance's registrar site (another process) and a registry's
eppd."""

from __future__ import annotations

import asyncio
import ssl
import threading
from pathlib import Path

from tests.eppclient.epp_proxy import EppProxy, Fault


class ProxyThread:
    def __init__(self, eppd_port: int, server_cert: Path, server_key: Path, ca: Path,
                 client_cert: Path, client_key: Path) -> None:
        server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server.load_cert_chain(str(server_cert), str(server_key))
        upstream = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(ca))
        upstream.load_cert_chain(str(client_cert), str(client_key))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.proxy = EppProxy(eppd_port, server, upstream)
        self._run(self.proxy.__aenter__())

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(30)

    @property
    def port(self) -> int:
        return self.proxy.port

    def arm(self, when: str, marker: bytes) -> Fault:
        async def arm() -> Fault:
            return self.proxy.arm(when, marker)
        return self._run(arm())

    def count(self, marker: bytes) -> int:
        return self.proxy.count(marker)

    def close(self) -> None:
        self._run(self.proxy.__aexit__(None, None, None))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
