"""What the console's routes share: the route declaration (operators only, documented
under the "admin" tag), path and query parameters, and the console core of the app."""

from __future__ import annotations

import re

from registrar.console import OperatorConsole
from registrar.errors import InvalidInput

from ..routing import Api, Call
from ..schemas import INT, STR

OBJECT = {"type": "object"}
LIST = {"type": "array", "items": OBJECT}


def admin_route(api: Api, method: str, path: str, summary: str, *,
                query: tuple[str, ...] = (), **kw):
    params = tuple({"name": name, "in": "path", "required": True,
                    "schema": INT if name.endswith("_id") else STR}
                   for name in re.findall(r"\{(\w+)\}", path))
    params += tuple({"name": name, "in": "query", "required": False, "schema": STR}
                    for name in query)
    kw.setdefault("response", OBJECT)
    return api.route(method, path, summary, auth="operator", tag="admin", params=params, **kw)


def console(call: Call) -> OperatorConsole:
    return call.app["console"]


def path(call: Call, name: str) -> str:
    return call.request.match_info[name]


def int_query(call: Call, name: str) -> int | None:
    text = call.query(name)
    if text in (None, ""):
        return None
    if not text.lstrip("#").isdigit() or len(text) > 18:
        raise InvalidInput(f"{name} must be a whole number", field=name)
    return int(text.lstrip("#"))


def flag(call: Call, name: str) -> bool:
    return (call.query(name) or "").lower() in ("1", "true", "yes", "on")
