"""What a parser hands the backend: the core command and what its reply needs to know."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eppd.commands.fee import FeeCheck


@dataclass(frozen=True)
class Parsed:
    command: Any  # a registry.flows dataclass
    fee_check: FeeCheck | None = None


@dataclass(frozen=True)
class ParseContext:
    """What parsing needs to know about the client: its billing currency (fee amounts)."""

    currency: str
