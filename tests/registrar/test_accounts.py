"""Accounts without HTTP: registration, verification, login, passwords and their reset."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from registrar.errors import Conflict, InvalidInput, NotAuthenticated
from registrar.models import SiteToken, SiteUser
from registrar.tokens import digest
from tests.registrar.conftest import PASSWORD, mails


def test_register_mails_a_single_use_expiring_link_stored_hashed(core, world):
    user = core.register("Ann@Example.NET ", PASSWORD)
    assert user.email == "ann@example.net" and not user.verified
    (mail,) = mails(world, "verify")
    token = mail["values"]["token"]
    assert mail["to"] == "ann@example.net" and token in mail["values"]["link"]
    stored = world.registry.read(lambda s: s.scalars(select(SiteToken)).one())
    assert stored.token_hash == digest(token) and token not in stored.token_hash
    assert core.verify_email(token).verified
    with pytest.raises(InvalidInput, match="used already"):
        core.verify_email(token)


def test_verification_link_expires(core, world):
    core.register("ann@example.net", PASSWORD)
    token = mails(world, "verify")[0]["values"]["token"]
    world.clock.advance(timedelta(hours=49))
    with pytest.raises(InvalidInput, match="expired"):
        core.verify_email(token)


def test_password_is_argon2id_and_never_stored_plain(core, world):
    core.register("ann@example.net", PASSWORD)
    stored = world.registry.read(lambda s: s.scalars(select(SiteUser.password_hash)).one())
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize("email,password,field", [
    ("not-an-address", PASSWORD, "email"), ("a@b", PASSWORD, "email"),
    ("ann@example.net", "short", "password"),
    ("ann@example.net", "ann@example.net", "password"), (None, PASSWORD, "email"),
])
def test_bad_registrations_change_nothing(core, world, email, password, field):
    with pytest.raises(InvalidInput) as e:
        core.register(email, password)
    assert e.value.field == field
    assert world.registry.read(lambda s: s.scalars(select(SiteUser)).all()) == []


def test_an_address_registers_once(core):
    core.register("ann@example.net", PASSWORD)
    with pytest.raises(Conflict):
        core.register("ANN@example.net", PASSWORD)


def test_login_opens_a_new_session_and_closes_the_old(core):
    core.register("ann@example.net", PASSWORD)
    first = core.login("ann@example.net", PASSWORD)
    me = core.principal(first.token)
    assert me.email == "ann@example.net" and me.csrf == first.csrf
    second = core.login("ann@example.net", PASSWORD, old_token=first.token)
    assert second.token != first.token and second.csrf != first.csrf
    assert core.principal(first.token) is None and core.principal(second.token) is not None
    core.logout(second.token)
    assert core.principal(second.token) is None


def test_login_says_the_same_for_a_wrong_password_and_an_unknown_address(core):
    core.register("ann@example.net", PASSWORD)
    with pytest.raises(NotAuthenticated) as wrong:
        core.login("ann@example.net", "wrong password!")
    with pytest.raises(NotAuthenticated) as unknown:
        core.login("bob@example.net", PASSWORD)
    assert wrong.value.detail == unknown.value.detail


def test_sessions_expire(core, world):
    core.register("ann@example.net", PASSWORD)
    s = core.login("ann@example.net", PASSWORD)
    world.clock.advance(timedelta(hours=25))
    assert core.principal(s.token) is None


def test_reset_never_reveals_whether_an_address_exists(core, world):
    core.register("ann@example.net", PASSWORD)
    before = len(mails(world))
    assert core.request_reset("nobody@example.net") is None
    assert core.request_reset("not an address") is None
    assert len(mails(world)) == before
    core.request_reset("ann@example.net")
    (reset,) = mails(world, "reset")
    session = core.login("ann@example.net", PASSWORD)
    core.reset_password(reset["values"]["token"], "a brand new password")
    assert core.principal(session.token) is None  # every session ends
    with pytest.raises(NotAuthenticated):
        core.login("ann@example.net", PASSWORD)
    core.login("ann@example.net", "a brand new password")
    with pytest.raises(InvalidInput, match="used already"):
        core.reset_password(reset["values"]["token"], "another new password")
    assert mails(world, "password_changed")


def test_change_password_keeps_only_the_current_session(core, world):
    user = core.register("ann@example.net", PASSWORD)
    one, two = core.login("ann@example.net", PASSWORD), core.login("ann@example.net", PASSWORD)
    with pytest.raises(InvalidInput):
        core.change_password(user.id, "wrong one!", "a brand new password", one.token)
    core.change_password(user.id, PASSWORD, "a brand new password", one.token)
    assert core.principal(one.token) is not None and core.principal(two.token) is None


def test_mail_opt_outs_cannot_silence_security_mail(core, world):
    user = core.register("ann@example.net", PASSWORD)
    assert core.set_mail_opt_outs(user.id, ["receipt"]).mail_opt_outs == ("receipt",)
    with pytest.raises(InvalidInput, match="security"):
        core.set_mail_opt_outs(user.id, ["reset"])
    with pytest.raises(InvalidInput, match="no such"):
        core.set_mail_opt_outs(user.id, ["spam"])


def test_expired_sessions_are_purged_by_the_lifecycle(core, world):
    from registrar.models import SiteSession
    core.register("ann@example.net", PASSWORD)
    core.login("ann@example.net", PASSWORD)
    world.clock.advance(timedelta(hours=25))
    core.login("ann@example.net", PASSWORD)
    core.run_lifecycle()
    assert len(world.registry.read(lambda s: s.scalars(select(SiteSession)).all())) == 1
