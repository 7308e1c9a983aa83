"""Allocation tokens (RFC 8495) through the real server, on SQLite and MariaDB: checks and
creates of reserved and premium names with and without their token, the token's price, info
of a domain's token, every refusal, and single use under concurrent creates (the greeting's
menu is test_eppd_core_session's)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eppd_core_frames import concurrently, fresh
from eppd_core_world import EXTENSIONS, NS, STRONG, core_world

from registry.admin.tlds import add_reserved
from registry.admin.tokens import TokenTerms, add_token
from registry.flows.context import Actor

TOKEN = "urn:ietf:params:xml:ns:allocationToken-1.0"
FEE = NS["f"]
NOW = datetime.now(UTC)


@pytest.fixture(scope="module", params=["sqlite", "mariadb"])
def world(request, tmp_path_factory, pki, schema_check):
    with core_world(tmp_path_factory.mktemp(f"core-tokens-{request.param}"), pki,
                    schema_check, request.param) as w:
        yield w


@pytest.fixture(scope="module")
def epp(world):
    with world.session("reg1", extensions=(*EXTENSIONS, TOKEN)) as session:
        yield session


@pytest.fixture(scope="module")
def epp2(world):
    with world.session("reg2", extensions=(*EXTENSIONS, TOKEN)) as session:
        yield session


def issue(world, tld: str = "example", token: str | None = None, **terms) -> str:
    return world.registry.run(lambda ctx: add_token(ctx, tld, TokenTerms(**terms), token).token,
                              Actor.operator("test"))


def reserve(world, label: str) -> str:
    world.registry.run(lambda ctx: add_reserved(ctx, "example", label),
                       Actor.operator("test"))
    return f"{label}.example"


def ext(token: str) -> str:
    return f'<t:allocationToken xmlns:t="{TOKEN}">{token}</t:allocationToken>'


def create(epp, name: str, extension: str = ""):
    return epp.command(f"<create><d:create><d:name>{name}</d:name><d:authInfo><d:pw>{STRONG}"
                       "</d:pw></d:authInfo></d:create></create>", extension)


def check(epp, *names: str, extension: str = ""):
    body = "".join(f"<d:name>{n}</d:name>" for n in names)
    reply = epp.command(f"<check><d:check>{body}</d:check></check>", extension)
    assert reply.code == 1000, reply
    return {cd.findtext("d:name", namespaces=NS): cd.find("d:name", NS).get("avail")
            for cd in reply.findall("e:response/e:resData/d:chkData/d:cd")}


def test_a_reserved_name_is_created_only_with_its_token(world, epp):
    name = reserve(world, "tokened")
    own = issue(world, label="tokened")
    for_any = issue(world)
    assert check(epp, name) == {name: "0"}
    assert check(epp, name, extension=ext(own)) == {name: "1"}
    assert check(epp, name, extension=ext(for_any)) == {name: "0"}
    assert create(epp, name).code == 2306
    assert create(epp, name, ext("no-such-token-000000")).code == 2202
    refused = create(epp, name, ext(for_any))
    assert refused.code == 2201 and "reserved" in refused.msg, refused
    assert create(epp, name, ext(own)).code == 1000
    info = epp.command(f"<info><d:info><d:name>{name}</d:name></d:info></info>",
                       f'<t:info xmlns:t="{TOKEN}"/>')
    assert info.code == 1000, info
    assert info.ext(f"{{{TOKEN}}}allocationToken").text == own


def test_a_token_is_spent_by_its_uses(world, epp):
    once = issue(world)
    assert create(epp, fresh(), ext(once)).code == 1000
    again = create(epp, fresh(), ext(once))
    assert again.code == 2201 and "used" in again.msg, again
    twice = issue(world, max_uses=2)
    assert [create(epp, fresh(), ext(twice)).code for _ in range(3)] == [1000, 1000, 2201]
    unlimited = issue(world, max_uses=None)
    assert all(create(epp, fresh(), ext(unlimited)).code == 1000 for _ in range(3))


@pytest.mark.parametrize(("terms", "message"), [
    ({"registrar": "reg2"}, "another registrar"),
    ({"label": "somewhere-else"}, "not for this name"),
    ({"valid_until": NOW - timedelta(hours=1)}, "expired"),
    ({"valid_from": NOW + timedelta(days=1)}, "not valid yet"),
])
def test_a_token_that_does_not_apply_is_refused(world, epp, terms, message):
    token = issue(world, **terms)
    name = fresh()
    reply = create(epp, name, ext(token))
    assert reply.code == 2201 and message in reply.msg, reply
    assert check(epp, name, extension=ext(token)) == {name: "0"}
    assert epp.command(f"<info><d:info><d:name>{name}</d:name></d:info></info>").code == 2303


def test_a_token_for_another_tld_is_refused(world, epp):
    token = issue(world, tld="fast")
    assert create(epp, fresh(), ext(token)).code == 2201


def test_the_token_sets_the_create_price_of_a_premium_name(world, epp):
    token = issue(world, label="gold", create_price=25_000, currency="USD")
    fee_check = (f'<f:check xmlns:f="{FEE}"><f:currency>USD</f:currency>'
                 '<f:command name="create"><f:period unit="y">2</f:period></f:command>'
                 "</f:check>")
    reply = epp.command("<check><d:check><d:name>gold.example</d:name></d:check></check>",
                        ext(token) + fee_check)
    cd = reply.ext(f"{{{FEE}}}chkData").find(f"{{{FEE}}}cd")
    assert cd.findtext(f"{{{FEE}}}class") == "token"
    assert cd.findtext(f"{{{FEE}}}command/{{{FEE}}}fee") == "500.00"
    # a non-standard price must be acknowledged, at the token's price
    unacked = epp.command("<create><d:create><d:name>gold.example</d:name><d:period unit='y'>"
                          f"2</d:period><d:authInfo><d:pw>{STRONG}</d:pw></d:authInfo>"
                          "</d:create></create>", ext(token))
    assert unacked.code == 2004, unacked
    reply = epp.command("<create><d:create><d:name>gold.example</d:name><d:period unit='y'>"
                        f"2</d:period><d:authInfo><d:pw>{STRONG}</d:pw></d:authInfo>"
                        "</d:create></create>",
                        ext(token) + f'<f:create xmlns:f="{FEE}"><f:currency>USD</f:currency>'
                        "<f:fee>500.00</f:fee></f:create>")
    assert reply.code == 1000, reply
    assert reply.ext(f"{{{FEE}}}creData").findtext(f"{{{FEE}}}fee") == "500.00"


def test_only_the_sponsor_sees_a_domains_token(world, epp, epp2):
    token = issue(world)
    name = fresh()
    assert create(epp, name, ext(token)).code == 1000
    other = epp2.command(f"<info><d:info><d:name>{name}</d:name><d:authInfo><d:pw>{STRONG}"
                         "</d:pw></d:authInfo></d:info></info>", f'<t:info xmlns:t="{TOKEN}"/>')
    assert other.code == 2201, other
    plain = fresh()
    assert create(epp, plain).code == 1000
    info = epp.command(f"<info><d:info><d:name>{plain}</d:name></d:info></info>",
                       f'<t:info xmlns:t="{TOKEN}"/>')
    assert info.code == 1000 and info.ext(f"{{{TOKEN}}}allocationToken") is None


def test_renew_transfer_update_and_delete_take_no_token(world, epp):
    token = issue(world)
    name = fresh()
    assert create(epp, name).code == 1000
    update = epp.command(f"<update><d:update><d:name>{name}</d:name></d:update></update>",
                         ext(token))
    assert update.code == 2102, update
    transfer = epp.command(f'<transfer op="request"><d:transfer><d:name>{name}</d:name>'
                           f"<d:authInfo><d:pw>{STRONG}</d:pw></d:authInfo></d:transfer>"
                           "</transfer>", ext(token))
    assert transfer.code == 2102, transfer
    renew = epp.command(f"<renew><d:renew><d:name>{name}</d:name><d:curExpDate>2030-01-01"
                        "</d:curExpDate></d:renew></renew>", ext(token))
    assert renew.code == 2102, renew
    delete = epp.command(f"<delete><d:delete><d:name>{name}</d:name></d:delete></delete>",
                         ext(token))
    assert delete.code == 2102, delete


def test_concurrent_creates_spend_a_single_use_token_once(world):
    token = issue(world)
    sessions = [world.connect("reg1") for _ in range(4)]
    try:
        for s in sessions:
            assert s.login("reg1", extensions=(*EXTENSIONS, TOKEN)).code == 1000
        codes = concurrently(sessions, lambda s: create(s, fresh(), ext(token)))
    finally:
        for s in sessions:
            s.close()
    assert sorted(codes) == [1000, 2201, 2201, 2201], codes
