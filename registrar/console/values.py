"""The console's input from JSON bodies: each value of the type it must be, or a 400 naming
the field."""

from __future__ import annotations

from ..errors import InvalidInput


def text(value: object, field: str, *, empty: bool = False) -> str:
    if not isinstance(value, str) or not (empty or value.strip()):
        raise InvalidInput(f"{field} must be {'' if empty else 'non-empty '}text", field=field)
    if len(value) > 1000:
        raise InvalidInput(f"{field} is longer than 1000 characters", field=field)
    return value.strip()


def whole(value: object, field: str, *, signed: bool = False) -> int:
    if type(value) is not int or (value < 0 and not signed) or abs(value) >= 10**18:
        raise InvalidInput(f"{field} must be a whole number"
                           f"{'' if signed else ' of zero or more'}", field=field)
    return value


def mapping(value: object, field: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} must be an object", field=field)
    return value


def names_list(value: object, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{field} must be a list of text", field=field)
    return tuple(value)
