"""What a parser hands the backend: the core command and what its reply needs to know."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eppd.commands.fee import FeeCheck


@dataclass(frozen=True)
class Draft:
    """A command that can only be completed from the object's current data (a contact
    update that changes part of a postalInfo): ``lookup`` runs first, then ``complete``."""

    lookup: Any
    complete: Callable[[Any], Any]


@dataclass(frozen=True)
class Parsed:
    command: Any  # a registry.flows dataclass, or a Draft
    fee_check: FeeCheck | None = None


@dataclass(frozen=True)
class ParseContext:
    """What parsing needs to know about the client: its billing currency (fee amounts)."""

    currency: str
