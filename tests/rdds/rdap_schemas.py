"""ICANN's RDAP JSON schemas (the RDAP Conformance Tool's, in ../shared/reference/rdap),
used in place: tests skip, saying so, when they are absent.

The schemas forbid members they do not list; RFC 9083 section 4.1 allows members of the
extensions a response declares in rdapConformance, so those (``redacted``) are taken out
before validation and checked by the tests themselves. The tool's custom formats that name
registered values (statuses, roles, event actions) get checkers from the IANA registries.
"""

from __future__ import annotations

import copy
import ipaddress
import json
from functools import cache
from pathlib import Path

import pytest

# The project's parent folder holds ``shared`` (CI clones the repo beside it); a git worktree
# of it sits one level deeper.
_ROOT = Path(__file__).resolve().parents[2]
REFERENCE = next((p for p in (_ROOT.parent / "shared", _ROOT.parent.parent / "shared")
                  if p.is_dir()), _ROOT.parent / "shared") / "reference" / "rdap" / "json-schema"

# IANA "RDAP JSON Values" registry (RFC 9083 section 10.2)
STATUSES = {
    "validated", "renew prohibited", "update prohibited", "transfer prohibited",
    "delete prohibited", "proxy", "private", "removed", "obscured", "associated", "active",
    "inactive", "locked", "pending create", "pending renew", "pending transfer",
    "pending update", "pending delete", "add period", "auto renew period",
    "client delete prohibited", "client hold", "client renew prohibited",
    "client transfer prohibited", "client update prohibited", "pending restore",
    "redemption period", "renew period", "server delete prohibited",
    "server renew prohibited", "server transfer prohibited", "server update prohibited",
    "server hold", "transfer period", "administrative", "reserved",
}
ROLES = {"registrant", "technical", "administrative", "abuse", "billing", "registrar",
         "reseller", "sponsor", "proxy", "notifications", "noc"}
EVENT_ACTIONS = {"registration", "reregistration", "last changed", "expiration", "deletion",
                 "reinstantiation", "transfer", "locked", "unlocked",
                 "last update of RDAP database", "registrar expiration",
                 "enum validation expiration"}


def _strip_nested_ids(node, top=True):
    if isinstance(node, dict):
        return {k: _strip_nested_ids(v, False) for k, v in node.items()
                if top or k != "$id"}
    if isinstance(node, list):
        return [_strip_nested_ids(v, False) for v in node]
    return node


@cache
def _registry():
    referencing = pytest.importorskip("referencing")
    from referencing.jsonschema import DRAFT7

    resources = []
    for path in REFERENCE.rglob("*.json"):
        schema = _strip_nested_ids(json.loads(path.read_text()))
        resources.append((path.name, referencing.Resource.from_contents(schema, DRAFT7)))
    return referencing.Registry().with_resources(resources)


def _format_checker():
    import jsonschema

    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    checker = copy.deepcopy(checker)
    checker.checks("status")(lambda v: not isinstance(v, str) or v in STATUSES)
    checker.checks("role")(lambda v: not isinstance(v, str) or v in ROLES)
    checker.checks("eventAction")(lambda v: not isinstance(v, str) or v in EVENT_ACTIONS)
    checker.checks("ipv4-validation")(lambda v: not isinstance(v, str) or _is_ip(v, 4))
    checker.checks("ipv6-validation")(lambda v: not isinstance(v, str) or _is_ip(v, 6))
    return checker


def _is_ip(text: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(text).version == version
    except ValueError:
        return False


def require_schemas() -> None:
    if not (REFERENCE / "rdap_domain.json").is_file():
        pytest.skip(f"ICANN's RDAP JSON schemas are not present at {REFERENCE} "
                    "(../shared/reference/rdap/json-schema): schema validation not run")
    pytest.importorskip("jsonschema", reason="jsonschema is not installed")


def validate(body: dict, schema: str) -> None:
    """Raise jsonschema's ValidationError unless ``body`` is valid against ``schema``
    (a file name: rdap_domain.json, rdap_error.json...)."""
    require_schemas()
    import jsonschema

    extensions = set(body.get("rdapConformance", ())) - {"rdap_level_0"}
    plain = {k: v for k, v in body.items() if k not in extensions}
    validator = jsonschema.Draft7Validator(
        {"$ref": schema}, registry=_registry(), format_checker=_format_checker())
    errors = sorted(validator.iter_errors(plain), key=lambda e: list(e.absolute_path))
    if errors:
        raise AssertionError("\n".join(
            f"{schema}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in errors[:10]))
