"""Contact data rules (RFC 5733 2.4-2.7): postal info, phone numbers, e-mail, disclosure."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from ..countries import ISO_3166_ALPHA2
from ..errors import (
    ParameterPolicyError,
    ParameterSyntaxError,
    RequiredParameterMissing,
    quoted,
)
from ..values import Disclose, PostalChange, PostalInfo

# \Z, not $: "$" also matches before a trailing newline.
PHONE = re.compile(r"^\+[0-9]{1,3}\.[0-9]{1,14}\Z")
EXTENSION = re.compile(r"^[0-9]{1,16}\Z")  # the columns hold 16 characters
# RFC 5322 addr-spec in its common dot-atom form; quoted local parts are refused on purpose.
EMAIL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                   r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\Z")
_OTHER_TYPE = {"int": "loc", "loc": "int"}
DISCLOSE_FIELDS = {"name:int", "name:loc", "org:int", "org:loc", "addr:int", "addr:loc",
                   "voice", "fax", "email"}


def postal_dict(infos: Iterable[PostalInfo]) -> dict:
    out: dict[str, dict] = {}
    for info in infos:
        if info.type not in ("int", "loc"):
            raise ParameterSyntaxError(
                f"postalInfo type must be int or loc, not {quoted(info.type or '')}")
        if info.type in out:
            raise ParameterPolicyError(f"postalInfo type {info.type} given twice")
        out[info.type] = check_postal(info)
    return out


def merge_postal(stored: dict, changes: Iterable[PostalChange]) -> dict:
    """A contact's postal data after ``changes`` (RFC 5733 3.2.5): what a change leaves out
    stays as stored; a type not stored before starts as a copy of the other type (a partial
    ``loc`` for a contact with only ``int`` fills in from it), or empty; the merged
    postalInfo must then be whole like a new one."""
    merged = []
    for change in changes:
        source = change.type if change.type in stored else _OTHER_TYPE.get(change.type)
        old = (stored_postal(change.type, stored[source]) if source in stored
               else PostalInfo(change.type, name="", city="", cc=""))
        merged.append(dataclasses.replace(
            old, name=old.name if change.name is None else change.name,
            org=old.org if change.org is None else change.org,
            **(dataclasses.asdict(change.addr) if change.addr else {})))
    return {**stored, **postal_dict(merged)}


def stored_postal(kind: str, data: dict) -> PostalInfo:
    """A postalInfo as check_postal stored it."""
    return PostalInfo(type=kind, name=data["name"], city=data["city"], cc=data["cc"],
                      org=data.get("org"), street=tuple(data.get("street", ())),
                      sp=data.get("sp"), pc=data.get("pc"))


def check_postal(info: PostalInfo) -> dict:
    for field in ("name", "city", "cc"):
        if not (getattr(info, field) or "").strip():
            raise RequiredParameterMissing(f"postalInfo {info.type}: {field} is required")
    if info.cc.upper() not in ISO_3166_ALPHA2 or info.cc != info.cc.upper():
        raise ParameterSyntaxError(f"{info.cc!r} is not an ISO 3166 country code", value=info.cc)
    if len(info.street) > 3:
        raise ParameterPolicyError("at most three street lines")
    values = [info.name, info.org, info.city, info.sp, info.pc, *info.street]
    if info.type == "int" and not all(v is None or v.isascii() for v in values):
        raise ParameterSyntaxError("postalInfo type int must use 7-bit ASCII only (RFC 5733)")
    data = {"name": info.name.strip(), "city": info.city.strip(), "cc": info.cc,
            "street": [s.strip() for s in info.street]}
    for field in ("org", "sp", "pc"):
        value = getattr(info, field)
        if value is not None and value.strip():
            data[field] = value.strip()
    return data


def check_phone(value: str | None, what: str) -> str | None:
    if value is None or value == "":
        return None
    if not PHONE.match(value):
        raise ParameterSyntaxError(f"{what} {value!r} must look like +1.7035555555", value=value)
    return value


def check_extension(value: str | None, what: str) -> str | None:
    if value is None or value == "":
        return None
    if not EXTENSION.match(value):
        raise ParameterSyntaxError(f"{what} extension {value!r} must be 1 to 16 digits",
                                   value=value)
    return value


def check_email(value: str) -> str:
    if not value or not EMAIL.match(value) or len(value) > 254:
        raise ParameterSyntaxError(f"{value!r} is not an e-mail address", value=value)
    return value


def disclose_dict(disclose: Disclose | None) -> dict | None:
    if disclose is None:
        return None
    unknown = set(disclose.fields) - DISCLOSE_FIELDS
    if unknown:
        raise ParameterSyntaxError(f"unknown disclose element(s): {', '.join(sorted(unknown))}")
    return {"flag": disclose.flag, "fields": sorted(set(disclose.fields))}
