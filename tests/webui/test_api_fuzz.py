"""The API fuzzed from its own OpenAPI document (schemathesis): for every operation, inputs
generated from the document, sent anonymously and with a logged-in user's session and CSRF
token; no answer is a 5xx, and every answer's status, content type and body match the
document."""

from __future__ import annotations

import uuid

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.webui.test_api_journeys import PASSWORD, new_user

# sent without the session: they would end it for the operations fuzzed after them
ANONYMOUS_ONLY = {("DELETE", "/api/session"), ("POST", "/api/account/close")}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module")
def logged_in(site):
    """A funded user holding a name (so that reads answer something), as a requests
    session with its CSRF token."""
    client, email = new_user(site, funds=1_000_000)
    assert client.post("/api/orders", {"items": [{"name": f"fuzz{uuid.uuid4().hex[:8]}.test"}]
                                       }).status == 201
    session = requests.Session()
    answer = session.post(f"{site.url}/api/session", json={"email": email,
                                                           "password": PASSWORD})
    assert answer.status_code == 200
    client.request("DELETE", "/api/session")
    return session, answer.json()["session"]["csrf_token"]


def test_no_5xx_and_every_answer_matches_the_document(site, logged_in):
    session, csrf = logged_in
    schema = schemathesis.openapi.from_url(f"{site.url}/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            case.call_and_validate(checks=CHECKS)  # anonymous
            if (case.method.upper(), case.path) not in ANONYMOUS_ONLY:
                case.call_and_validate(session=session, headers={"X-CSRF-Token": csrf},
                                       checks=CHECKS)
        fuzz()
