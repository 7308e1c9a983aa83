"""Which deposit a TLD is due (Specification 2): a full one each week on ``full_weekday``,
a differential one every other day, each once a day from ``hour`` (UTC) on."""

from __future__ import annotations

from datetime import datetime

from .config import EscrowSettings


def due(now: datetime, last_watermark: datetime | None, settings: EscrowSettings
        ) -> str | None:
    """"full", "diff" or None (today's is made, or its hour has not come)."""
    if now.hour < settings.hour:
        return None
    if last_watermark is not None and last_watermark.date() >= now.date():
        return None
    if last_watermark is None or now.weekday() == settings.full_weekday:
        return "full"
    return "diff"
