"""The OpenAPI 3.1 document, built from the route table (routing.Api)."""

from __future__ import annotations

from .routing import Api
from .schemas import COMPONENTS, ref

ERRORS = {"400": "Invalid input", "401": "Not logged in", "403": "Not allowed",
          "404": "Not found", "409": "Conflict", "402": "Insufficient funds",
          "429": "Too many requests", "503": "Temporarily unavailable"}


def document(api: Api, url: str) -> dict:
    paths: dict = {}
    for r in api.routes:
        op: dict = {"summary": r.summary, "operationId": r.handler.__name__, "tags": [r.tag],
                    "parameters": list(r.params)}
        if r.auth != "none":
            op["security"] = [{"session": []}] + (
                [{"apiKey": []}] if r.scope or r.method == "GET" else [])
        if r.body is not None:
            op["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": r.body}}}
        ok: dict = {"description": "Success"}
        if r.response is not None:
            ok["content"] = {"application/json": {"schema": r.response}}
        op["responses"] = {str(r.status): ok} | {
            code: {"description": text, "content": {
                "application/problem+json": {"schema": ref("Problem")}}}
            for code, text in ERRORS.items()}
        paths.setdefault(r.path, {})[r.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "PyRar registrar API", "version": "1.0.0",
                 "description": "Accounts, search, orders and names at a PyRar registrar. "
                 "Errors are RFC 9457 problem details. Requests that change state with the "
                 "session cookie must send its CSRF token in the X-CSRF-Token header."},
        "servers": [{"url": url}],
        "paths": paths,
        "components": {"schemas": COMPONENTS, "securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "pyrar_session"},
            "apiKey": {"type": "http", "scheme": "bearer",
                       "description": "a user's API key; GET needs the read scope, orders "
                       "the orders scope, changes to names the domains scope"}}},
    }
