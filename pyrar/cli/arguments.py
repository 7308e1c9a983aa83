"""Argument types for numbers with a range: argparse refuses what is outside it, in one line
naming the option, the value and the range (``Parser.error``)."""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable

from registry.errors import quoted

_WHOLE = re.compile(r"[+-]?[0-9]{1,18}", re.ASCII)
_PLAIN = re.compile(r"[+-]?([0-9]{1,18}(\.[0-9]*)?|\.[0-9]+)", re.ASCII)


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An int from ``low`` to ``high``: ``add_argument("--limit", type=whole_number(1, 10000))``."""
    def parse(text: str) -> int:
        if not _WHOLE.fullmatch(text.strip()) or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low} to {high}, "
                                             f"not {quoted(text)}")
        return int(text)
    parse.__name__ = "whole number"
    return parse


def seconds(low: float, high: float) -> Callable[[str], float]:
    """A number of seconds from ``low`` to ``high`` (no exponent, NaN or infinity)."""
    def parse(text: str) -> float:
        value = float(text) if _PLAIN.fullmatch(text.strip()) else math.nan
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a number of seconds from {low:g} to "
                                             f"{high:g}, not {quoted(text)}")
        return value
    parse.__name__ = "seconds"
    return parse

