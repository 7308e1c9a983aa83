"""Frames for the debug log, with every password masked."""

from __future__ import annotations

import re

# <pw>, <newPW> in any namespace (epp login, loginSec, domain/contact authInfo); attributes such
# as roid= are kept. A self-closing <pw/> has nothing to hide and must not start a match.
_SECRET = re.compile(
    rb"(<(?:[\w.-]+:)?(pw|newPW)\b[^>]*(?<!/)>)(.*?)(</(?:[\w.-]+:)?\2\s*>)", re.DOTALL)
MASK = b"*****"


def mask_secrets(frame: bytes) -> str:
    """The frame as text with the content of every password element replaced."""
    masked = _SECRET.sub(lambda m: m.group(1) + MASK + m.group(4), frame)
    return masked.decode("utf-8", errors="replace")
