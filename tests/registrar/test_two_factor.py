"""TOTP second factor and recovery codes, without HTTP, on an injected clock."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from registrar.config import RegistrarSettings
from registrar.core import RegistrarCore
from registrar.errors import Conflict, InvalidInput, NotAuthenticated, Unavailable
from registrar.models import SiteUser
from registrar.secret_box import SecretBox
from tests.registrar.conftest import PASSWORD, TEST_SETTINGS, funded_user, mails


def code_at(secret: str, when, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(int(when.timestamp()) + 30 * steps)


@pytest.fixture
def enrolled(core, world):
    user = funded_user(core, world)
    setup = core.two_factor_setup(user.id)
    assert setup["otpauth_uri"].startswith("otpauth://totp/")
    with pytest.raises(InvalidInput):
        core.two_factor_enable(user.id, "000000" if code_at(setup["secret"], world.clock.now())
                               != "000000" else "111111")
    codes = core.two_factor_enable(user.id, code_at(setup["secret"], world.clock.now()))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert mails(world, "two_factor_changed")[-1]["values"]["enabled"] is True
    return user, setup["secret"], codes


def test_login_needs_the_second_factor(core, world, enrolled):
    user, secret, _ = enrolled
    half = core.login(user.email, PASSWORD)
    assert half.needs_second_factor
    assert core.principal(half.token).needs_second_factor
    with pytest.raises(NotAuthenticated):
        core.second_factor(half.token, "123456" if code_at(secret, world.clock.now(), 1)
                           != "123456" else "654321")
    world.clock.advance(timedelta(seconds=30))
    full = core.second_factor(half.token, code_at(secret, world.clock.now()))
    assert not full.needs_second_factor and full.token != half.token
    assert core.principal(half.token) is None
    assert not core.principal(full.token).needs_second_factor


def test_a_code_works_once(core, world, enrolled):
    user, secret, _ = enrolled
    world.clock.advance(timedelta(seconds=60))
    code = code_at(secret, world.clock.now())
    core.second_factor(core.login(user.email, PASSWORD).token, code)
    with pytest.raises(NotAuthenticated):
        core.second_factor(core.login(user.email, PASSWORD).token, code)


def test_recovery_codes_work_once(core, world, enrolled):
    user, _, codes = enrolled
    core.second_factor(core.login(user.email, PASSWORD).token, None, codes[0])
    with pytest.raises(NotAuthenticated, match="recovery"):
        core.second_factor(core.login(user.email, PASSWORD).token, None, codes[0])
    core.second_factor(core.login(user.email, PASSWORD).token, None, codes[1].upper())


def test_disable_needs_password_and_code(core, world, enrolled):
    user, secret, _ = enrolled
    world.clock.advance(timedelta(seconds=60))
    with pytest.raises(InvalidInput):
        core.two_factor_disable(user.id, "wrong password!", code_at(secret, world.clock.now()))
    core.two_factor_disable(user.id, PASSWORD, code_at(secret, world.clock.now()))
    assert not core.login(user.email, PASSWORD).needs_second_factor
    assert not core.me(user.id).two_factor
    with pytest.raises(Conflict):
        core.two_factor_disable(user.id, PASSWORD, "123456")


def test_no_second_factor_for_a_full_session(core, world):
    user = funded_user(core, world)
    with pytest.raises(NotAuthenticated):
        core.second_factor(core.login(user.email, PASSWORD).token, "123456")


def stored_secret(world, user_id: int) -> str:
    return world.registry.read(lambda s: s.get(SiteUser, user_id).totp_secret)


def test_the_secret_is_stored_sealed_and_a_new_key_reseals_it(core, world, enrolled):
    user, secret, _ = enrolled
    sealed = stored_secret(world, user.id)
    assert sealed.startswith("fernet:") and secret not in sealed
    # a copy of the database without the key cannot give codes
    with pytest.raises(Unavailable, match="secret key"):
        SecretBox().open(sealed)
    with pytest.raises(Unavailable, match="no configured secret key"):
        SecretBox([SecretBox.new_key()]).open(sealed)
    # rotation: a new key first, the old one kept; the next login seals with the new one
    new_key = SecretBox.new_key()
    rotated = RegistrarCore(world.registry, TEST_SETTINGS,
                            secrets=SecretBox([new_key, TEST_SETTINGS.secret_key]))
    world.clock.advance(timedelta(seconds=60))
    rotated.second_factor(rotated.login(user.email, PASSWORD).token,
                          code_at(secret, world.clock.now()))
    resealed = stored_secret(world, user.id)
    assert resealed != sealed and SecretBox([new_key]).open(resealed) == secret


def test_a_secret_stored_before_sealing_works_and_gets_sealed(core, world, enrolled):
    user, secret, _ = enrolled
    world.registry.run(lambda ctx: setattr(ctx.session.get(SiteUser, user.id),
                                           "totp_secret", secret), None, "test")
    world.clock.advance(timedelta(seconds=60))
    core.second_factor(core.login(user.email, PASSWORD).token,
                       code_at(secret, world.clock.now()))
    assert core.secrets.open(stored_secret(world, user.id)) == secret
    assert stored_secret(world, user.id).startswith("fernet:")


def test_no_key_no_second_factor(world):
    keyless = RegistrarCore(world.registry, RegistrarSettings(
        **{**TEST_SETTINGS.__dict__, "secret_key": ""}))
    user = funded_user(keyless, world)
    with pytest.raises(Unavailable, match="secret_key_file"):
        keyless.two_factor_setup(user.id)
    assert stored_secret(world, user.id) is None
