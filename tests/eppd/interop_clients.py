"""The independent PyPI clients (epptools, pyepp) pointed at a sandbox, each with every frame
the server sends passed through the tests' schema check on its way in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from epptools import Client, Config, Connection
from interop_sandbox import Credentials, Sandbox
from pyepp import EppCommunicator


class CheckedConnection(Connection):
    """epptools' own transport; every frame read is schema-checked first."""

    def __init__(self, config: Config, check: Callable[[bytes], None]) -> None:
        super().__init__(config)
        self._check = check

    def read_frame(self) -> str:
        frame = super().read_frame()
        self._check(frame.encode("utf-8"))
        return frame


def epptools_client(sandbox: Sandbox, clid: str, password: str | None = None,
                     **config: object) -> Client:
    """A connected epptools Client (greeting read) with ``clid``'s credentials, not logged in;
    it returns error codes instead of raising them, so the tests can assert them."""
    cred = sandbox.registrars[clid]
    settings = Config(host=cred.host, port=cred.port, clid=cred.clid,
                      password=password or cred.password,
                      ca_file=str(cred.ca), client_cert=str(cred.cert),
                      client_key=str(cred.key), read_timeout=10.0, **config)
    client = Client(settings, connection=CheckedConnection(settings, sandbox.check))
    client.throw_on_failure(False)
    client.connect()
    return client


class CheckedCommunicator(EppCommunicator):
    """pyepp's communicator; every frame read is schema-checked first."""

    def __init__(self, cred: Credentials, check: Callable[[bytes], None]) -> None:
        super().__init__(cred.host, str(cred.port), str(cred.cert), str(cred.key))
        self._check = check

    def _read(self) -> bytes | None:
        frame = super()._read()
        if frame is not None:
            self._check(frame)
        return frame


@contextmanager
def pyepp_communicator(sandbox: Sandbox, clid: str,
                       monkeypatch: pytest.MonkeyPatch) -> Iterator[CheckedCommunicator]:
    """A connected pyepp communicator (greeting read) for ``clid``, not logged in.

    pyepp takes no CA file: it verifies the server against the default trust store only.
    OpenSSL reads SSL_CERT_FILE when that store is loaded, so pointing it at the sandbox
    CA is how a registrar would use pyepp with a private CA (docs/epp-interop.md).
    """
    cred = sandbox.registrars[clid]
    monkeypatch.setenv("SSL_CERT_FILE", str(cred.ca))
    epp = CheckedCommunicator(cred, sandbox.check)
    epp.connect()
    try:
        yield epp
    finally:
        epp.disconnect()
