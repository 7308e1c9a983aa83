"""The core's values as JSON: dataclasses to objects, datetimes in RFC 3339, money as minor
units with the currency and the amount as people write it."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

from aiohttp import web

from registrar.views import Money


def plain(value: Any) -> Any:
    if isinstance(value, Money):
        return {"amount": value.amount, "currency": value.currency, "text": value.text}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def json_response(value: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, text=json.dumps(plain(value)),
                        content_type="application/json")
