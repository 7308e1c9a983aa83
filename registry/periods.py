"""Calendar arithmetic for registration periods."""

from __future__ import annotations

from datetime import datetime


def add_years(when: datetime, years: int) -> datetime:
    """The same instant ``years`` later (or earlier); 29 February falls back to the 28th."""
    try:
        return when.replace(year=when.year + years)
    except ValueError:
        return when.replace(year=when.year + years, day=28)
