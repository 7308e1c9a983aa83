"""How much one command may carry: a registrar's one command must not cost the registry what
a thousand would (a check of 25,000 names held other registrars' checks up for seconds)."""

from __future__ import annotations

import dataclasses

from .errors import ParameterPolicyError


def check_command_size(command: object, limit: int) -> None:
    """Refuse (2306) a command with more than ``limit`` items in any one part: names in a
    check, contacts, statuses, fee queries... Parts that have their own policy (name servers,
    DNSSEC records, host addresses) are held to it by their flows as well."""
    for field in dataclasses.fields(command):
        value = getattr(command, field.name)
        if isinstance(value, tuple) and len(value) > limit:
            what = field.name.replace("_", " ")
            raise ParameterPolicyError(
                f"at most {limit} {what} in one command, not {len(value)}: split it")
