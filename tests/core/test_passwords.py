"""Registrar passwords: scrypt at the configured cost, each hash keeping its own."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.config import Config, ConfigError, RegistrySettings
from registry.flows.context import Actor
from registry.flows.session_login import Login
from registry.models import Registrar
from registry.passwords import hash_password, verify_password
from tests.core.world import SETTINGS


@pytest.mark.parametrize("cost", [RegistrySettings().password_hash_cost,
                                  SETTINGS.password_hash_cost])
def test_a_hash_records_its_cost_and_verifies_whatever_the_setting_now(cost):
    stored = hash_password("secret-pw-1", cost)
    assert stored.startswith(f"scrypt${cost}$8$1$")
    assert verify_password("secret-pw-1", stored)
    assert not verify_password("secret-pw-2", stored)
    assert hash_password("secret-pw-1", cost) != stored  # salted


def test_production_cost_is_the_default():
    assert RegistrySettings().password_hash_cost == 2**14


@pytest.mark.parametrize("cost", ["1000", "1", "0"])
def test_a_cost_that_is_no_power_of_two_is_a_config_error(tmp_path, cost):
    path = tmp_path / "pyrar.toml"
    path.write_text(f"[registry]\npassword_hash_cost = {cost}\n")
    with pytest.raises(ConfigError, match="password_hash_cost must be a power of two"):
        Config.load(path, environ={}).section("registry", RegistrySettings)


def test_login_with_a_new_password_hashes_it_at_the_configured_cost(world, alice):
    clid = "alice"
    fingerprint = f"{len(clid):064x}"  # World.add_registrar's
    world.run(Login(clid, "secret-pw-1", "new-secret-1", fingerprint), Actor.client(clid))
    stored = world.task(lambda ctx: ctx.session.scalar(
        select(Registrar.password_hash).where(Registrar.clid == clid)))
    assert stored.startswith(f"scrypt${SETTINGS.password_hash_cost}$")
    assert verify_password("new-secret-1", stored)
