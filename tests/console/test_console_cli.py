"""``pyrar web operator EMAIL ROLE`` on a sandbox made by ``pyrar init``: the first
superuser from the command line, audited; a refusal is one line and changes nothing."""

from __future__ import annotations

import pytest

from registry.models import AuditEntry
from tests.cli_outcomes import Sandbox, clear_pyrar_environment, in_process, initial_sandbox


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    clear_pyrar_environment(monkeypatch)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return initial_sandbox(tmp_path_factory)


@pytest.fixture
def sandbox(template, tmp_path, capsys) -> Sandbox:
    return Sandbox.copy_of(template, tmp_path, in_process(capsys))


def test_the_first_superuser(sandbox):
    # the sandbox's demo user (a site account) becomes a superuser
    assert sandbox.ok("web", "operator", "demo@pyrar.test", "superuser").strip() \
        .endswith("is now superuser")
    registry = sandbox.registry()
    try:
        entries = registry.read(lambda s: s.query(AuditEntry).all())
    finally:
        registry.close()
    assert [(e.actor, e.action, e.before["role"], e.after["role"]) for e in entries] == [
        ("operator:cli", "user.role", "user", "superuser")]


def test_an_unknown_account_is_refused(sandbox):
    line = sandbox.fails("web", "operator", "nobody@pyrar.test", "operator")
    assert "register it on the site first" in line
    assert "superuser already" in sandbox.fails("web", "operator", "admin@pyrar.test",
                                                "superuser")
