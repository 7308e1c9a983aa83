"""JSON schemas of the API's bodies (OpenAPI 3.1 uses JSON Schema 2020-12 as it is)."""

from __future__ import annotations


def obj(required: tuple[str, ...] = (), **props) -> dict:
    return {"type": "object", "properties": props, "required": list(required)}


STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}
NULL_TIME = {"type": ["string", "null"], "format": "date-time"}
NULL_STR = {"type": ["string", "null"]}

MONEY = obj(("amount", "currency", "text"), amount=INT, currency=STR, text=STR)
CONTACT = obj(("name", "city", "cc"), name=STR, org=STR, street={
    "type": "array", "items": STR, "maxItems": 3}, city=STR, sp=STR, pc=STR, cc=STR, voice=STR)
USER = obj(("id", "email", "verified", "role", "balance", "two_factor", "mail_opt_outs",
            "created_at", "contact"), id=INT, email=STR, verified=BOOL, role=STR,
           balance={"$ref": "#/components/schemas/Money"}, two_factor=BOOL,
           mail_opt_outs={"type": "array", "items": STR}, created_at=TIME,
           contact={"oneOf": [{"type": "null"}, CONTACT]})
SESSION = obj(("csrf_token", "expires_at", "needs_second_factor"), csrf_token=STR,
              expires_at=TIME, needs_second_factor=BOOL)
PRICES = {"type": "object", "additionalProperties": {"type": ["integer", "null"]}}
SEARCH_RESULT = obj(("name", "unicode_name", "available", "reason", "premium", "price_class",
                     "prices", "currency"), name=STR, unicode_name=STR, available=BOOL,
                    reason=NULL_STR, premium=BOOL, price_class=STR, prices=PRICES,
                    currency=STR)
ORDER_ITEM = obj(("operation", "name", "unicode_name", "years", "price", "status", "error"),
                 operation=STR, name=STR, unicode_name=STR, years=INT,
                 price={"$ref": "#/components/schemas/Money"}, status=STR, error=NULL_STR)
ORDER = obj(("id", "status", "total", "refunded", "created_at", "completed_at", "items"),
            id=INT, status={"enum": ["paid", "done"]},
            total={"$ref": "#/components/schemas/Money"},
            refunded={"$ref": "#/components/schemas/Money"}, created_at=TIME,
            completed_at=NULL_TIME,
            items={"type": "array", "items": {"$ref": "#/components/schemas/OrderItem"}})
LEDGER_ENTRY = obj(("id", "at", "kind", "amount", "balance_after", "description", "order_id"),
                   id=INT, at=TIME, kind=STR, amount={"$ref": "#/components/schemas/Money"},
                   balance_after={"$ref": "#/components/schemas/Money"}, description=STR,
                   order_id={"type": ["integer", "null"]})
PROBLEM = obj(("type", "title", "status", "detail"), type=STR, title=STR, status=INT,
              detail=STR, field=STR)

COMPONENTS = {"Money": MONEY, "User": USER, "Session": SESSION, "SearchResult": SEARCH_RESULT,
              "Order": ORDER, "OrderItem": ORDER_ITEM, "LedgerEntry": LEDGER_ENTRY,
              "Problem": PROBLEM}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def array(name: str) -> dict:
    return {"type": "array", "items": ref(name)}


CREDENTIALS = obj(("email", "password"), email=STR, password=STR)
