"""launch:check of type claims (RFC 8334 3.1.1): which names have marks in the Trademark
Clearinghouse (the DNL), with the key a registrar fetches the claims notice with."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import EppError
from ..models import DnlEntry
from ..names import split_domain
from .context import FlowContext


@dataclass(frozen=True)
class ClaimsCheck:
    names: tuple[str, ...]
    phase: str = "claims"


@dataclass(frozen=True)
class ClaimKey:
    name: str
    exists: bool
    key: str | None = None


@dataclass(frozen=True)
class ClaimsCheckResult:
    phase: str
    names: tuple[ClaimKey, ...]
    code: int = 1000


def claims_check(ctx: FlowContext, cmd: ClaimsCheck) -> ClaimsCheckResult:
    out = []
    for text in cmd.names:
        try:
            label = split_domain(text).label
        except EppError:
            out.append(ClaimKey(text, False))
            continue
        entry = ctx.session.get(DnlEntry, label)
        out.append(ClaimKey(text, entry is not None, entry.lookup_key if entry else None))
    return ClaimsCheckResult(cmd.phase, tuple(out))
