"""The operators' console core on a registry with two TLDs, a registrar and the house
registrar, on SQLite and MariaDB (the core suite's database fixture)."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from registrar.console import OperatorConsole
from registrar.core import RegistrarCore
from registrar.models import SiteUser
from registrar.views import Principal
from registry.models import AuditEntry
from tests.core.conftest import database  # noqa: F401 - the shared fixture
from tests.registrar.conftest import PASSWORD, TEST_SETTINGS, world  # noqa: F401


@pytest.fixture
def core(world) -> RegistrarCore:  # noqa: F811
    return RegistrarCore(world.registry, TEST_SETTINGS)


@pytest.fixture
def console(world) -> OperatorConsole:  # noqa: F811
    return OperatorConsole(world.registry)


def make_operator(core: RegistrarCore, world, email: str, role: str, *,  # noqa: F811
                  two_factor: bool = True) -> Principal:
    """A site account with a console role, its TOTP turned on (unless told not to)."""
    user = core.register(email, PASSWORD, role=role, verified=True)
    if two_factor:
        secret = core.two_factor_setup(user.id)["secret"]
        core.two_factor_enable(user.id, pyotp.TOTP(secret).at(world.clock.now()))
    return Principal(user.id, email, role, True, "csrf")


@pytest.fixture
def superuser(core, world) -> Principal:  # noqa: F811
    return make_operator(core, world, "root@registry.test", "superuser")


@pytest.fixture
def operator(core, world) -> Principal:  # noqa: F811
    return make_operator(core, world, "ops@registry.test", "operator")


@pytest.fixture
def readonly(core, world) -> Principal:  # noqa: F811
    return make_operator(core, world, "auditor@registry.test", "readonly")


def audit_rows(world) -> list[AuditEntry]:  # noqa: F811
    return world.registry.read(lambda s: list(s.scalars(select(AuditEntry).order_by(
        AuditEntry.id))))


def user_row(world, user_id: int) -> SiteUser:  # noqa: F811
    return world.registry.read(lambda s: s.get(SiteUser, user_id))
