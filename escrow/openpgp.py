"""OpenPGP for deposits through GnuPG's own ``gpg`` (2.2 in Debian).

Why the binary: it is what escrow agents themselves run, maintained with the OpenPGP
standard, and it streams (a deposit of a million domains never sits in memory). The Python
choices either drive this same binary (python-gnupg: one more layer over the same process
calls) or reimplement OpenPGP (PGPy: unmaintained since 2022, no streaming).

Every call runs in a GnuPG home of the registry's own (``[escrow] gnupg_home``), in batch
mode, never asking, never reaching a keyserver.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


class OpenPgpError(Exception):
    """gpg refused; the message is its own, on one line."""


class Gpg:
    # gpg-agent's socket lives in the home: past 107 bytes a UNIX socket path is refused, so a
    # deep home is reached through a short symbolic link
    LONGEST_HOME = 80

    def __init__(self, home: Path, program: str = "gpg") -> None:
        self.home, self.program = home, program
        self._link: Path | None = None

    @property
    def _homedir(self) -> str:
        if len(str(self.home)) <= self.LONGEST_HOME:
            return str(self.home)
        if self._link is None:
            self._link = Path(tempfile.mkdtemp(prefix="pyrar-gpg-")) / "h"
            self._link.symlink_to(self.home.resolve())
        return str(self._link)

    def _command(self, *args: str) -> list[str]:
        return [self.program, "--homedir", self._homedir, "--batch", "--yes", "--no-tty",
                "--quiet", "--pinentry-mode", "loopback", "--passphrase", "",
                "--trust-model", "always", "--no-auto-key-retrieve", *args]

    def run(self, *args: str, stdin: bytes | None = None) -> bytes:
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        result = subprocess.run(self._command(*args), input=stdin, capture_output=True,
                                timeout=600, check=False)
        if result.returncode:
            raise OpenPgpError(_one_line(result.stderr) or f"gpg {args[0]} failed")
        return result.stdout

    def encrypt_stream(self, recipient: str, out: Path, write: Callable[[BinaryIO], None]
                       ) -> None:
        """``write(stdin)`` feeds the plaintext; gpg compresses (ZLIB) and encrypts it
        (AES-256) to ``recipient`` into ``out``, as RFC 8909's escrow format asks."""
        self.home.mkdir(parents=True, exist_ok=True, mode=0o700)
        process = subprocess.Popen(
            self._command("--encrypt", "--recipient", recipient, "--compress-algo", "ZLIB",
                          "--cipher-algo", "AES256", "--output", str(out)),
            stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            write(process.stdin)
            process.stdin.close()
        except BrokenPipeError:
            pass
        error = process.stderr.read()
        if process.wait():
            raise OpenPgpError(_one_line(error) or "gpg --encrypt failed")

    def sign_detached(self, key: str, path: Path, signature: Path) -> None:
        self.run("--local-user", key, "--detach-sign", "--output", str(signature), str(path))

    def verify_detached(self, signature: Path, path: Path) -> None:
        self.run("--verify", str(signature), str(path))

    def decrypt(self, path: Path, out: Path) -> None:
        self.run("--decrypt", "--output", str(out), str(path))

    def generate(self, user_id: str, *, encryption: bool) -> str:
        """A new key pair without passphrase (a sandbox's); its fingerprint."""
        self.run("--quick-gen-key", user_id, "ed25519", "sign", "never")
        fingerprint = self.fingerprint(user_id)
        if encryption:
            self.run("--quick-add-key", fingerprint, "cv25519", "encr", "never")
        return fingerprint

    def fingerprint(self, user_id: str) -> str:
        listing = self.run("--with-colons", "--list-keys", user_id).decode()
        return next(line.split(":")[9] for line in listing.splitlines()
                    if line.startswith("fpr:"))

    def export(self, fingerprint: str, *, secret: bool = False) -> bytes:
        return self.run("--armor", "--export-secret-keys" if secret else "--export",
                        fingerprint)

    def import_keys(self, data: bytes) -> None:
        self.run("--import", stdin=data)

    def close(self) -> None:
        """Stop the gpg-agent gpg started for this home (it would outlive the command)."""
        if self.home.is_dir():
            subprocess.run(["gpgconf", "--homedir", self._homedir, "--kill", "gpg-agent"],
                           capture_output=True, timeout=30, check=False)
        if self._link is not None:
            self._link.unlink()
            self._link.parent.rmdir()
            self._link = None

    def __enter__(self) -> Gpg:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def _one_line(stderr: bytes) -> str:
    return " ".join(stderr.decode(errors="replace").split())


def private_home(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path
