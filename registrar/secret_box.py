"""Secrets the site must read back (users' TOTP seeds), sealed with keys kept outside the
database, so that a copy of the database (a backup, a replica, an escrow of it) does not
hand out everyone's second factor.

Fernet (cryptography's AES-128-CBC + HMAC-SHA256 recipe, a token that says nothing without
the key) with several keys: the first seals, every one opens, so a key is rotated by putting
a new one first; a secret sealed with an older key is sealed again with the first when it
is next used (``reseal``). Keys come from ``[registrar] secret_key_file`` (one per line) or
the environment (``PYRAR_REGISTRAR_SECRET_KEY``), never from the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from .errors import Unavailable

PREFIX = "fernet:"


class SecretBox:
    def __init__(self, keys: Sequence[str | bytes] = ()) -> None:
        try:
            self._keys = [Fernet(k) for k in keys]
        except (ValueError, TypeError):
            raise ValueError("a secret key is 32 bytes in URL-safe base64: make one with "
                             "'pyrar web secret-key'") from None
        self._box = MultiFernet(self._keys) if self._keys else None

    @classmethod
    def from_file(cls, path: str | Path | None, inline: str = "") -> SecretBox:
        keys = [inline] if inline else []
        if path:
            try:
                text = Path(path).read_text()
            except OSError as e:
                raise ValueError(f"the secret key file {path}: {e.strerror or e}") from None
            keys += [line.strip() for line in text.splitlines()
                     if line.strip() and not line.lstrip().startswith("#")]
        return cls(keys)

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode()

    @property
    def ready(self) -> bool:
        return self._box is not None

    def seal(self, secret: str) -> str:
        if self._box is None:
            raise Unavailable("two-factor authentication needs the site's secret key "
                              "([registrar] secret_key_file), which is not configured")
        return PREFIX + self._box.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        """The secret; one stored before sealing existed comes back as it is."""
        if not sealed.startswith(PREFIX):
            return sealed
        if self._box is None:
            raise Unavailable("the site's secret key ([registrar] secret_key_file) is not "
                              "configured: sealed secrets cannot be read")
        try:
            return self._box.decrypt(sealed[len(PREFIX):].encode()).decode()
        except InvalidToken:
            raise Unavailable("no configured secret key opens this secret: was a key "
                              "removed from [registrar] secret_key_file?") from None

    def reseal(self, sealed: str) -> str | None:
        """The secret sealed with the first key, if it is not already (or not sealed at
        all); None when nothing needs to change."""
        if self._box is None:
            return None
        if sealed.startswith(PREFIX):
            try:
                self._keys[0].decrypt(sealed[len(PREFIX):].encode())
                return None
            except InvalidToken:
                pass
        return self.seal(self.open(sealed))
