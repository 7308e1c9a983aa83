"""The console's JSON API on the live site (``pyrar web serve``, SQLite and MariaDB): who
may call it (operators with their second factor only, by role, never with an API key or
without the CSRF token), what it changes, the audit log it leaves, and that the OpenAPI
document describes it."""

from __future__ import annotations

import time
import uuid

import pyotp
import pytest

from registrar.config import RegistrarSettings
from registrar.core import RegistrarCore
from registry.admin.registrars import get_registrar
from registry.flows.context import Actor
from registry.flows.domain_create import DomainCreate
from tests.webui.api_client import ApiClient
from tests.webui.conftest import site  # noqa: F401 - the live site, per database

PASSWORD = "correct horse battery"
SETTINGS = RegistrarSettings(argon2_time_cost=1, argon2_memory_kib=256, argon2_parallelism=1)


def operator(site, role: str, *, two_factor: bool = True) -> ApiClient:  # noqa: F811
    """A logged-in operator's client; with its TOTP turned on through the API."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@registry.test"
    RegistrarCore(site.registry, SETTINGS).register(email, PASSWORD, role=role, verified=True)
    client = ApiClient(site.url)
    assert client.login(email, PASSWORD).status == 200
    if two_factor:
        secret = client.post("/api/account/2fa/setup").body["secret"]
        totp = pyotp.TOTP(secret)
        assert client.post("/api/account/2fa/enable", {"code": totp.now()}).status == 200
        client.totp = totp
    return client


def test_an_operator_must_enrol_a_second_factor_first(site):  # noqa: F811
    client = operator(site, "superuser", two_factor=False)
    answer = client.get("/api/admin/tlds")
    assert answer.status == 403 and "two-factor" in answer.problem["detail"]
    refused = client.post("/api/admin/tlds", {"name": "nope"})
    assert refused.status == 403
    secret = client.post("/api/account/2fa/setup").body["secret"]
    assert client.post("/api/account/2fa/enable",
                       {"code": pyotp.TOTP(secret).now()}).status == 200
    assert "nope" not in [t["name"] for t in client.get("/api/admin/tlds").body]


def test_a_later_login_needs_the_code(site):  # noqa: F811
    client = operator(site, "readonly")
    email = client.get("/api/account").body["email"]
    fresh = ApiClient(site.url)
    assert fresh.login(email, PASSWORD).body["session"]["needs_second_factor"]
    assert fresh.get("/api/admin/me").status == 401
    code = client.totp.at(time.time() + 30)  # the enrolment used this step's code
    done = fresh.post("/api/session/2fa", {"code": code})
    assert done.status == 200, done.body
    fresh.csrf = done.body["session"]["csrf_token"]
    assert fresh.get("/api/admin/me").body["role"] == "readonly"


def test_who_may_call_the_console(site):  # noqa: F811
    assert ApiClient(site.url).get("/api/admin/registrars").status == 401
    user = ApiClient(site.url)
    email = f"u{uuid.uuid4().hex[:8]}@example.net"
    RegistrarCore(site.registry, SETTINGS).register(email, PASSWORD, verified=True)
    user.login(email, PASSWORD)
    assert user.get("/api/admin/registrars").status == 403
    readonly = operator(site, "readonly")
    assert readonly.get("/api/admin/registrars").status == 200
    refused = readonly.post("/api/admin/registrars/house/credit",
                            {"amount": 100, "reason": "test"})
    assert refused.status == 403 and "operator role" in refused.problem["detail"]
    ops = operator(site, "operator")
    no_csrf = ops.post("/api/admin/registrars/house/credit", {"amount": 100, "reason": "x"},
                       csrf=False)
    assert no_csrf.status == 403
    balance = ops.get("/api/admin/registrars/house").body["registrar"]["balance"]
    assert balance == 10_000_000  # no refused credit took money in


def test_a_superuser_sets_up_a_tld_and_the_audit_log_says_so(site):  # noqa: F811
    root = operator(site, "superuser")
    name = f"t{uuid.uuid4().hex[:6]}"
    added = root.post("/api/admin/tlds", {"name": name, "policy": {"max_period": 5}})
    assert added.status == 201 and added.body["policy"]["max_period"] == 5
    price = root.request("PUT", f"/api/admin/tlds/{name}/prices",
                         {"operation": "create", "currency": "USD", "amount": 1500})
    assert price.body["prices"] == {"USD": {"create": 1500}}
    refused = root.request("PATCH", f"/api/admin/tlds/{name}",
                           {"policy": {"max_period": 99}})
    assert refused.status == 400 and refused.problem["detail"].startswith("max_period")
    rule = root.post(f"/api/admin/tlds/{name}/premium",
                     {"pattern": "^.{1,3}$", "regex": True, "prices": {"create": 90000}})
    assert rule.status == 201
    hit = root.get(f"/api/admin/tlds/{name}/premium-test?name=abc").body
    assert hit["rule"]["id"] == rule.body["id"] and hit["prices"]["create"] == 90000
    log = root.get(f"/api/admin/audit?type=tld&object={name}").body
    assert [e["action"] for e in log] == ["tld.price", "tld.add"]
    assert log[0]["before"]["prices"] == {} and log[0]["after"]["prices"]["USD"] == {
        "create": 1500}
    assert log[0]["actor"].startswith("operator:superuser-")


def test_an_operator_holds_a_name_and_credits_a_registrar(site):  # noqa: F811
    def setup(ctx):
        house = get_registrar(ctx, "house")
        return house.id
    house_id = site.registry.run(setup, Actor.operator("test"))
    name = f"hold{uuid.uuid4().hex[:6]}.example"
    site.registry.execute(DomainCreate(name, authinfo="Str0ng-Auth-Info!x9-Qz7#Lp2"),
                          Actor.registrar(house_id, "house"))
    ops = operator(site, "operator")
    held = ops.post(f"/api/admin/domains/{name}/statuses",
                    {"add": ["serverHold"], "reason": "abuse 12"})
    assert held.status == 200 and "serverHold" in held.body["info"]["statuses"]
    found = ops.get("/api/admin/domains?status=serverHold").body
    assert name in [d["name"] for d in found]
    wrong = ops.post(f"/api/admin/domains/{name}/statuses", {"add": ["clientHold"]})
    assert wrong.status == 400
    credit = ops.post("/api/admin/registrars/house/credit",
                      {"amount": 2500, "reason": "wire 7"})
    assert credit.status == 200 and credit.body["ledger"][0]["description"] == "wire 7"
    hits = ops.get(f"/api/admin/search?q={name}").body
    assert {"kind": "domain", "key": name}.items() <= hits[0].items()


def test_the_openapi_document_describes_the_console(site):  # noqa: F811
    doc = ApiClient(site.url).get("/api/openapi.json").body
    admin = [p for p in doc["paths"] if p.startswith("/api/admin/")]
    assert "/api/admin/tlds/{tld}/premium-test" in admin and len(admin) > 25
    op = doc["paths"]["/api/admin/registrars/{clid}/credit"]["post"]
    assert op["tags"] == ["admin"] and op["requestBody"]


@pytest.mark.parametrize("path", ["/api/admin/users/abc", "/api/admin/audit?before=x"])
def test_bad_input_is_a_problem(site, path):  # noqa: F811
    answer = operator(site, "readonly").get(path)
    assert answer.status == 400 and answer.problem["detail"]
