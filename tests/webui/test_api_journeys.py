"""Journeys through the JSON API against the live site: register, verify by the mailed
link, log in, search, buy, renew, the ledger, password reset, closing; and what the API
promises for bad input (problem details, 4xx, never 5xx), cookies, CSRF and rate limits."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from registry.flows.context import Actor
from registry.flows.lookup import find_domain
from tests.webui.api_client import ApiClient

PASSWORD = "correct horse battery"


def new_user(site, funds: int = 0) -> tuple[ApiClient, str]:
    """A registered, verified, logged-in user (funded by an operator if asked)."""
    email = f"u{uuid.uuid4().hex[:10]}@example.net"
    client = ApiClient(site.url)
    assert client.post("/api/account", {"email": email, "password": PASSWORD}).status == 201
    (mail,) = site.mails(email, "verify")
    assert client.post("/api/account/verify", {"token": mail["token"]}).status == 200
    assert client.login(email, PASSWORD).status == 200
    if funds:
        _fund(site, client.get("/api/account").body["id"], funds)
    return client, email


def end_add_grace(site, name: str) -> None:
    """As if the five days of the add grace had passed (the served site keeps real time)."""
    def work(ctx):
        domain = find_domain(ctx, name, lock=True)
        for grace in domain.grace_periods:
            if grace.kind == "add":
                grace.ends_at = ctx.now - timedelta(seconds=1)
    site.registry.run(work, Actor.operator("test"))


def _fund(site, user_id: int, amount: int) -> None:
    from registrar.config import RegistrarSettings
    from registrar.core import RegistrarCore
    RegistrarCore(site.registry, RegistrarSettings(
        argon2_time_cost=1, argon2_memory_kib=256, argon2_parallelism=1)).add_funds(
        user_id, amount, "test")


def test_register_verify_login_buy_renew(site):
    client, email = new_user(site, funds=10_000)
    me = client.get("/api/account").body
    assert me["email"] == email and me["verified"] and me["balance"]["amount"] == 10_000
    results = client.get("/api/search?q=Journey").body
    assert [r["name"] for r in results] == ["journey.example", "journey.test"]
    assert all(r["available"] and r["prices"]["create"] == 1000 for r in results)
    order = client.post("/api/orders", {"items": [
        {"name": "journey.example", "years": 2}, {"name": "journey.test"}]})
    assert order.status == 201, order.body
    assert order.body["status"] == "done"
    assert [i["status"] for i in order.body["items"]] == ["done", "done"]
    taken = client.get("/api/search?q=journey.example").body[0]
    assert not taken["available"] and taken["reason"] == "In use"
    renew = client.post("/api/orders", {"items": [
        {"name": "journey.test", "operation": "renew", "years": 1}]})
    assert renew.status == 201 and renew.body["items"][0]["status"] == "done"
    assert client.get("/api/account").body["balance"]["amount"] == 10_000 - 3000 - 1000
    ledger = client.get("/api/account/ledger").body
    assert [e["kind"] for e in ledger] == ["order", "order", "payment"]
    assert client.get(f"/api/orders/{order.body['id']}").body["id"] == order.body["id"]
    assert len(client.get("/api/orders").body) == 2


def test_idn_search_shows_u_labels(site):
    result = ApiClient(site.url).get("/api/search?q=b%C3%BCcher&tld=example").body
    assert result == [{"name": "xn--bcher-kva.example", "unicode_name": "bücher.example",
                       "available": True, "reason": None, "premium": False,
                       "price_class": "standard", "currency": "USD",
                       "prices": {"create": 1000, "renew": 1000, "transfer": 800,
                                  "restore": 5000}}]
    reserved = ApiClient(site.url).get("/api/search?q=nic.example").body[0]
    assert not reserved["available"] and reserved["reason"] == "Registry operations"


def test_the_session_cookie_is_httponly_samesite_and_rotated_at_login(site):
    client, email = new_user(site)
    first = client.cookie()
    assert first.has_nonstandard_attr("HttpOnly")
    assert first.get_nonstandard_attr("SameSite") == "Lax"
    assert client.login(email, PASSWORD).status == 200
    second = client.cookie()
    assert second.value != first.value
    stale = ApiClient(site.url)
    stale.jar.set_cookie(first)
    assert stale.get("/api/account").status == 401  # the old session ended


def test_state_changes_need_the_csrf_token(site):
    client, _ = new_user(site, funds=5000)
    refused = client.post("/api/orders", {"items": [{"name": "csrf.example"}]}, csrf=False)
    assert refused.status == 403 and "X-CSRF-Token" in refused.problem["detail"]
    wrong = client.post("/api/orders", {"items": [{"name": "csrf.example"}]},
                        headers={"X-CSRF-Token": "forged"})
    assert wrong.status == 403
    assert client.get("/api/account").body["balance"]["amount"] == 5000


def test_logout_ends_the_session(site):
    client, _ = new_user(site)
    assert client.request("DELETE", "/api/session").status == 204
    assert client.get("/api/account").status == 401


def test_password_reset_by_the_mailed_link(site):
    client, email = new_user(site)
    anonymous = ApiClient(site.url)
    assert anonymous.post("/api/password-reset", {"email": email}).status == 202
    assert anonymous.post("/api/password-reset", {"email": "nobody@example.net"}).status == 202
    (mail,) = site.mails(email, "reset")
    assert mail["subject"] == "Reset your password"
    assert anonymous.post("/api/password-reset/confirm", {
        "token": mail["token"], "password": "another good password"}).status == 204
    assert client.get("/api/account").status == 401  # sessions ended
    assert anonymous.login(email, PASSWORD).status == 401
    assert anonymous.login(email, "another good password").status == 200


def test_close_account(site):
    client, email = new_user(site)
    assert client.post("/api/account/close", {"password": "wrong password!"}).status == 400
    assert client.post("/api/account/close", {"password": PASSWORD}).status == 204
    assert ApiClient(site.url).login(email, PASSWORD).status == 401


def test_closing_needs_the_names_gone(site):
    client, _ = new_user(site, funds=5000)
    assert client.post("/api/orders", {"items": [{"name": "keepme.example"}]}).status == 201
    refused = client.post("/api/account/close", {"password": PASSWORD})
    assert refused.status == 409 and "holds 1 name" in refused.problem["detail"]


@pytest.mark.parametrize("method,path,body,status", [
    ("POST", "/api/account", {"email": "nope", "password": PASSWORD}, 400),
    ("POST", "/api/account", {"email": 5, "password": None}, 400),
    ("POST", "/api/account/verify", {"token": "x" * 43}, 400),
    ("POST", "/api/account/verify", {"token": ["x"]}, 400),
    ("POST", "/api/password-reset/confirm", {"token": 1, "password": 2}, 400),
    ("GET", "/api/search", None, 400),
    ("GET", "/api/search?q=a.b.c", None, 400),
    ("GET", "/api/search?q=" + "x" * 300, None, 400),
    ("GET", "/api/account", None, 401),
    ("POST", "/api/orders", {"items": [{"name": "x.example"}]}, 401),
    ("GET", "/api/orders/abc", None, 401),
    ("GET", "/api/nowhere", None, 404),
    ("PATCH", "/api/account", {}, 405),
])
def test_bad_requests_get_problem_details_never_500(site, method, path, body, status):
    answer = ApiClient(site.url).request(method, path, body)
    assert answer.status == status, answer.body
    assert answer.problem["status"] == status and answer.problem["detail"]


def test_malformed_bodies_are_400(site):
    client = ApiClient(site.url)
    assert client.request("POST", "/api/account", raw=b"{not json").status == 400
    assert client.request("POST", "/api/account", raw=b"[1, 2]").status == 400
    assert client.request("POST", "/api/account", raw=b"\xff\xfe").status == 400
    text = client.request("POST", "/api/account", raw=b"{}",
                          headers={"Content-Type": "text/plain"})
    assert text.status == 400 and "JSON" in text.problem["detail"]


def test_bad_carts_are_400_and_charge_nothing(site):
    client, _ = new_user(site, funds=1000)
    for items in ([], [{"name": "x.example", "years": 99}], [{"name": "a.b.example"}],
                  [{"name": "x.example", "operation": "transfer"}]):
        answer = client.post("/api/orders", {"items": items})
        assert answer.status == 400, (items, answer.body)
    poor = client.post("/api/orders", {"items": [{"name": "dear.example", "years": 5}]})
    assert poor.status == 402 and "balance is 10.00" in poor.problem["detail"]
    assert client.get("/api/account").body["balance"]["amount"] == 1000


def test_operators_fund_users_others_cannot(site):
    client, _ = new_user(site)
    user_id = client.get("/api/account").body["id"]
    assert client.post(f"/api/admin/users/{user_id}/funds", {"amount": 5}).status == 403


def test_login_is_rate_limited_per_address(site):
    _, email = new_user(site)
    statuses = [ApiClient(site.url).login(email, "wrong password!").status for _ in range(10)]
    assert statuses[0] == 401 and statuses[-1] == 429
    limited = ApiClient(site.url).login(email, PASSWORD)
    assert limited.status == 429 and int(limited.headers["Retry-After"]) > 0


def test_openapi_document_describes_every_route(site):
    doc = ApiClient(site.url).get("/api/openapi.json").body
    assert doc["openapi"].startswith("3.1")
    assert {"/api/account", "/api/session", "/api/search", "/api/orders"} <= set(doc["paths"])
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            assert op["responses"] and op["summary"], (method, path)


def test_manage_a_name_through_the_api(site):
    client, _ = new_user(site, funds=5000)
    assert client.post("/api/orders", {"items": [{"name": "managed.example"}]}).status == 201
    assert [d["name"] for d in client.get("/api/domains").body] == ["managed.example"]
    ns = client.request("PUT", "/api/domains/managed.example/nameservers", {"nameservers": [
        {"name": "ns1.managed.example", "addresses": ["192.0.2.53"]}, "ns.outside.net"]})
    assert ns.status == 200 and set(ns.body["nameservers"]) == {"ns1.managed.example",
                                                                "ns.outside.net"}
    ds = client.post("/api/domains/managed.example/ds", {"add": [
        {"key_tag": 2371, "algorithm": 13, "digest_type": 2, "digest": "cd" * 32}]})
    assert ds.status == 200 and ds.body["ds"][0]["key_tag"] == 2371
    locks = client.request("PUT", "/api/domains/managed.example/locks", {"transfer": True})
    assert locks.status == 200 and locks.body["locks"]["transfer"]
    code = client.post("/api/domains/managed.example/auth-code", {})
    assert code.status == 200 and len(code.body["auth_code"]) >= 32
    bad = client.request("PUT", "/api/domains/managed.example/nameservers",
                         {"nameservers": [{"name": "ns2.managed.example"}]})
    assert bad.status == 400 and "glue" in bad.problem["detail"]
    other, _ = new_user(site)
    assert other.get("/api/domains/managed.example").status == 404
    assert client.request("DELETE", "/api/domains/managed.example").status == 204
    assert client.get("/api/domains").body == []


def test_auto_renew_is_refused_for_a_name_in_redemption(site):
    """Released after its add grace the name is restorable, not renewable: the API says so
    and keeps the flag; restored, the change goes through."""
    client, _ = new_user(site, funds=20_000)
    name = f"ar{uuid.uuid4().hex[:8]}.example"
    assert client.post("/api/orders", {"items": [{"name": name}]}).status == 201
    end_add_grace(site, name)
    assert client.request("DELETE", f"/api/domains/{name}").status == 204
    refused = client.request("PUT", f"/api/domains/{name}/auto-renew", {"auto_renew": False})
    assert refused.status == 409, refused.body
    assert "restore the name first" in refused.problem["detail"]
    assert refused.problem.get("field") == "auto_renew"
    assert client.get("/api/domains").body[0]["auto_renew"] is True
    assert client.post("/api/orders", {"items": [{"name": name, "operation": "restore"}]}
                       ).body["status"] == "done"
    done = client.request("PUT", f"/api/domains/{name}/auto-renew", {"auto_renew": False})
    assert done.status == 200 and done.body["auto_renew"] is False


def test_two_factor_login(site):
    import time

    import pyotp
    client, email = new_user(site)
    setup = client.post("/api/account/2fa/setup", {})
    assert setup.status == 200
    totp = pyotp.TOTP(setup.body["secret"])
    now = time.time()
    enabled = client.post("/api/account/2fa/enable", {"code": totp.at(now)})
    assert enabled.status == 200 and len(enabled.body["recovery_codes"]) == 10
    assert site.mails(email, "two_factor_changed")[0]["subject"].endswith("enabled")
    fresh = ApiClient(site.url)
    half = fresh.login(email, PASSWORD)
    assert half.status == 200 and half.body["session"]["needs_second_factor"]
    assert fresh.get("/api/account").status == 401
    full = fresh.post("/api/session/2fa", {"code": totp.at(now + 30)})
    assert full.status == 200, full.body
    fresh.csrf = full.body["session"]["csrf_token"]
    assert fresh.get("/api/account").body["two_factor"]
    other = ApiClient(site.url)
    other.login(email, PASSWORD)
    assert other.post("/api/session/2fa", {"code": totp.at(now + 30)}).status == 401  # replay
    recovered = other.post("/api/session/2fa",
                           {"recovery_code": enabled.body["recovery_codes"][0]})
    assert recovered.status == 200


def test_api_keys_are_scoped_and_revocable(site):
    client, email = new_user(site, funds=5000)
    made = client.post("/api/account/api-keys", {"name": "script", "scopes": ["read",
                                                                              "orders"]})
    assert made.status == 201 and made.body["key"].startswith("pyrar_")
    assert site.mails(email, "api_key_created")
    bearer = {"Authorization": f"Bearer {made.body['key']}"}
    robot = ApiClient(site.url)
    assert robot.get("/api/account", headers=bearer).body["email"] == email
    order = robot.post("/api/orders", {"items": [{"name": "robot.example"}]}, headers=bearer)
    assert order.status == 201  # no cookie, so no CSRF token needed
    locks = robot.request("PUT", "/api/domains/robot.example/locks", {"delete": True},
                          headers=bearer)
    assert locks.status == 403 and "domains" in locks.problem["detail"]
    keys = robot.post("/api/account/api-keys", {"name": "x", "scopes": ["read"]},
                      headers=bearer)
    assert keys.status == 403  # keys cannot make keys
    listed = client.get("/api/account/api-keys").body
    assert [k["prefix"] for k in listed] == [made.body["api_key"]["prefix"]]
    key_id = made.body["api_key"]["id"]
    assert client.request("DELETE", f"/api/account/api-keys/{key_id}").status == 204
    assert robot.get("/api/account", headers=bearer).status == 401
    assert robot.get("/api/account", headers={"Authorization": "Bearer nonsense"}).status == 401
    assert robot.get("/api/account", headers={"Authorization": "Basic eDp5"}).status == 401


def test_registrant_details(site):
    client, _ = new_user(site)
    details = {"name": "Ann Example", "street": ["1 High Street"], "city": "Leeds",
               "cc": "GB"}
    answer = client.request("PUT", "/api/account/contact", details)
    assert answer.status == 200 and answer.body["contact"]["city"] == "Leeds"
    bad = client.request("PUT", "/api/account/contact", details | {"cc": "Britain"})
    assert bad.status == 400 and bad.problem["field"] == "cc"
