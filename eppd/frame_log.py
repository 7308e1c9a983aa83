"""Client-supplied text made safe for the log: passwords masked, one line per record."""

from __future__ import annotations

import re

# <pw>, <newPW> in any namespace (epp login, loginSec, domain/contact authInfo); attributes such
# as roid= are kept. A self-closing <pw/> has nothing to hide and must not start a match.
_SECRET = re.compile(
    rb"(<(?:[\w.-]+:)?(pw|newPW)\b[^>]*(?<!/)>)(.*?)(</(?:[\w.-]+:)?\2\s*>)", re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MASK = b"*****"


def mask_secrets(frame: bytes) -> str:
    """The frame as one printable line with the content of every password element replaced."""
    masked = _SECRET.sub(lambda m: m.group(1) + MASK + m.group(4), frame)
    return one_line(masked.decode("utf-8", errors="backslashreplace"))


def one_line(text: str) -> str:
    """Control characters escaped, so a client cannot forge or break log lines."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
