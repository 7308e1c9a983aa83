"""TOTP second factor and recovery codes, without HTTP, on an injected clock."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from registrar.errors import Conflict, InvalidInput, NotAuthenticated
from tests.registrar.conftest import PASSWORD, funded_user, mails


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
