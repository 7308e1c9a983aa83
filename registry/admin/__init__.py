"""Operator tasks that are not EPP commands: TLDs, prices, registrars, credit."""
