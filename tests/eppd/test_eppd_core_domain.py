"""Domain commands end to end (RFC 5731): success and error paths, exact result codes,
on SQLite and on MariaDB."""

from __future__ import annotations

from datetime import datetime

import pytest
from eppd_core_frames import concurrently, create, fresh, host_create, info, transfer, update
from eppd_core_world import NS, STRONG, core_world


@pytest.fixture(scope="module", params=["sqlite", "mariadb"])
def world(request, tmp_path_factory, pki, schema_check):
    with core_world(tmp_path_factory.mktemp(f"core-domain-{request.param}"), pki,
                    schema_check, request.param) as w:
        yield w


# check


def test_check_reports_free_taken_and_invalid_names(world, reg1):
    taken = fresh()
    assert create(reg1, taken).code == 1000
    free = fresh()
    reply = reg1.command(f"<check><d:check><d:name>{free}</d:name><d:name>{taken}</d:name>"
                         "<d:name>-bad-.example</d:name><d:name>x.notours</d:name>"
                         "</d:check></check>")
    assert reply.code == 1000
    cds = reply.findall("e:response/e:resData/d:chkData/d:cd")
    assert [(cd.findtext("d:name", namespaces=NS), cd.find("d:name", NS).get("avail"))
            for cd in cds] == [(free, "1"), (taken, "0"), ("-bad-.example", "0"),
                               ("x.notours", "0")]
    assert cds[1].findtext("d:reason", namespaces=NS) == "In use"
    assert all(len(cd.findtext("d:reason", namespaces=NS)) <= 32 for cd in cds[1:])


# create


def test_create_returns_dates_and_the_client_sees_it_in_info(world, reg1):
    name = fresh()
    reply = create(reg1, name, years=2)
    assert reply.code == 1000
    assert reply.text("e:response/e:resData/d:creData/d:name") == name
    cr = datetime.fromisoformat(reply.text("e:response/e:resData/d:creData/d:crDate"))
    ex = datetime.fromisoformat(reply.text("e:response/e:resData/d:creData/d:exDate"))
    assert ex.year - cr.year == 2
    got = info(reg1, name)
    assert got.code == 1000
    inf = got.res("d:infData")
    assert inf.findtext("d:clID", namespaces=NS) == "reg1"
    assert inf.findtext("d:roid", namespaces=NS).endswith("-PYRAR")
    assert [s.get("s") for s in inf.findall("d:status", NS)] == ["inactive"]
    # RFC 9154: the authInfo is never returned, not even to the sponsor
    assert inf.find("d:authInfo", NS) is None
    assert [s.get("s") for s in got.findall("e:response/e:extension/r:infData/r:rgpStatus")
            ] == ["addPeriod"]


@pytest.mark.parametrize(("years", "code"), [(0, 2001), (11, 2004), (10, 1000)])
def test_create_period_limits(world, reg1, years, code):
    reply = create(reg1, fresh(), years=years)
    assert reply.code == code
    if code == 2004:
        assert reply.text("e:response/e:result/e:value/d:period") == str(years)


def test_create_errors(world, reg1):
    name = fresh()
    assert create(reg1, name).code == 1000
    again = create(reg1, name)
    assert again.code == 2302
    assert again.text("e:response/e:result/e:value/d:name") == name
    assert create(reg1, "x.notours").code == 2306
    assert create(reg1, fresh(), pw="weak").code == 2306  # RFC 9154 strength
    assert create(reg1, fresh(), ns=("ns1.nowhere.example.net",)).code == 2303
    assert create(reg1, fresh(), extra="<d:registrant>nobody-here</d:registrant>"
                  ).code == 2303


def test_create_with_empty_authinfo_leaves_it_unset(world, reg1, reg2):
    name = fresh()
    assert create(reg1, name, pw="").code == 1000
    # unset authInfo: no transfer can be authorised, whatever is offered
    assert transfer(reg2, "request", name, pw=STRONG).code == 2202


def test_host_attributes_are_refused_deliberately(world, reg1):
    reply = reg1.command(
        f"<create><d:create><d:name>{fresh()}</d:name><d:ns><d:hostAttr>"
        "<d:hostName>ns1.example.net</d:hostName></d:hostAttr></d:ns>"
        f"<d:authInfo><d:pw>{STRONG}</d:pw></d:authInfo></d:create></create>")
    assert reply.code == 2102
    assert "hostObj" in reply.msg


# info


def test_info_hosts_filter(world, reg1):
    name = fresh()
    assert create(reg1, name).code == 1000
    assert host_create(reg1, "ns1.example.net").code == 1000 or True
    sub = f"ns1.{name}"
    assert host_create(reg1, sub, "192.0.2.1").code == 1000
    assert update(reg1, name, add=f"<d:ns><d:hostObj>{sub}</d:hostObj></d:ns>").code == 1000

    def hosts(mode):
        inf = info(reg1, name, mode).res("d:infData")
        return ([h.text for h in inf.findall("d:ns/d:hostObj", NS)],
                [h.text for h in inf.findall("d:host", NS)])

    assert hosts("all") == ([sub], [sub])
    assert hosts("del") == ([sub], [])
    assert hosts("sub") == ([], [sub])
    assert hosts("none") == ([], [])


def test_info_by_another_registrar_needs_the_authinfo(world, reg1, reg2):
    name = fresh()
    assert create(reg1, name).code == 1000
    assert info(reg2, name).code == 2201
    assert info(reg2, name, pw="Wrong-Auth-Info-0123456789").code == 2202
    full = info(reg2, name, pw=STRONG)
    assert full.code == 1000
    assert full.res("d:infData").find("d:authInfo", NS) is None
    missing = info(reg1, fresh())
    assert missing.code == 2303
    assert missing.find("e:response/e:result/e:value/d:name") is not None


# update


def test_update_statuses_registrant_and_authinfo(world, reg1, reg2):
    name = fresh()
    assert create(reg1, name).code == 1000
    assert update(reg1, name, add='<d:status s="clientHold"/>').code == 1000
    assert update(reg1, name, add='<d:status s="clientHold"/>').code == 2306
    assert update(reg1, name, add='<d:status s="serverHold"/>').code == 2306
    statuses = [s.get("s") for s in info(reg1, name).res("d:infData").findall("d:status", NS)]
    assert "clientHold" in statuses
    assert update(reg1, name, add='<d:status s="clientUpdateProhibited"/>').code == 1000
    assert update(reg1, name, chg="<d:authInfo><d:pw>Other-Str0ng-Auth-Info-987654</d:pw>"
                  "</d:authInfo>").code == 2304
    assert update(reg1, name, rem='<d:status s="clientUpdateProhibited"/>').code == 1000
    # RFC 9154: an empty password unsets the authInfo
    assert update(reg1, name, chg="<d:authInfo><d:pw/></d:authInfo>").code == 1000
    assert transfer(reg2, "request", name, pw=STRONG).code == 2202
    assert update(reg1, name, chg="<d:authInfo><d:null/></d:authInfo>").code == 1000
    assert update(reg2, name, add='<d:status s="clientHold"/>').code == 2201
    assert update(reg1, fresh(), add='<d:status s="clientHold"/>').code == 2303


def test_update_name_servers(world, reg1):
    name = fresh()
    assert create(reg1, name).code == 1000
    assert host_create(reg1, f"ns.{name}", "192.0.2.7").code == 1000
    ns = f"<d:ns><d:hostObj>ns.{name}</d:hostObj></d:ns>"
    assert update(reg1, name, add=ns).code == 1000
    assert update(reg1, name, add=ns).code == 2306
    assert update(reg1, name, rem=ns).code == 1000
    assert update(reg1, name, rem=ns).code == 2306
    assert update(reg1, name, add="<d:ns><d:hostAttr><d:hostName>ns.x.net</d:hostName>"
                  "</d:hostAttr></d:ns>").code == 2102


# renew


def test_renew_moves_the_expiry(world, reg1, reg2):
    name = fresh()
    created = create(reg1, name)
    ex = created.text("e:response/e:resData/d:creData/d:exDate")[:10]
    reply = reg1.command(f"<renew><d:renew><d:name>{name}</d:name><d:curExpDate>{ex}"
                         '</d:curExpDate><d:period unit="y">2</d:period></d:renew></renew>')
    assert reply.code == 1000
    new = reply.text("e:response/e:resData/d:renData/d:exDate")
    assert int(new[:4]) == int(ex[:4]) + 2
    stale = reg1.command(f"<renew><d:renew><d:name>{name}</d:name><d:curExpDate>{ex}"
                         "</d:curExpDate></d:renew></renew>")
    assert stale.code == 2306
    assert stale.find("e:response/e:result/e:value/d:curExpDate") is not None
    too_long = reg1.command(f"<renew><d:renew><d:name>{name}</d:name><d:curExpDate>"
                            f"{new[:10]}</d:curExpDate><d:period unit=\"y\">9</d:period>"
                            "</d:renew></renew>")
    assert too_long.code == 2004
    not_mine = reg2.command(f"<renew><d:renew><d:name>{name}</d:name><d:curExpDate>"
                            f"{new[:10]}</d:curExpDate></d:renew></renew>")
    assert not_mine.code == 2201
    rgp = info(reg1, name).findall("e:response/e:extension/r:infData/r:rgpStatus")
    assert {s.get("s") for s in rgp} == {"addPeriod", "renewPeriod"}


# delete


def test_delete_in_add_grace_is_immediate_and_later_goes_to_redemption(world, reg1, reg2):
    name = fresh()
    assert create(reg1, name).code == 1000
    assert reg2.command(f"<delete><d:delete><d:name>{name}</d:name></d:delete></delete>"
                        ).code == 2201
    assert reg1.command(f"<delete><d:delete><d:name>{name}</d:name></d:delete></delete>"
                        ).code == 1000
    assert info(reg1, name).code == 2303
    fast = fresh("example")
    assert create(reg1, fast).code == 1000
    world.end_grace_periods(fast)
    assert reg1.command(f"<delete><d:delete><d:name>{fast}</d:name></d:delete></delete>"
                        ).code == 1001
    got = info(reg1, fast)
    assert "pendingDelete" in [s.get("s") for s in got.res("d:infData").findall("d:status", NS)]
    assert [s.get("s") for s in got.findall("e:response/e:extension/r:infData/r:rgpStatus")
            ] == ["redemptionPeriod"]
    assert reg1.command(f"<delete><d:delete><d:name>{fast}</d:name></d:delete></delete>"
                        ).code == 2304


def test_delete_with_subordinate_hosts_is_refused(world, reg1):
    name = fresh()
    assert create(reg1, name).code == 1000
    assert host_create(reg1, f"ns9.{name}", "192.0.2.9").code == 1000
    assert reg1.command(f"<delete><d:delete><d:name>{name}</d:name></d:delete></delete>"
                        ).code == 2305


# transfer


def test_transfer_request_query_approve(world, reg1, reg2):
    name = fresh()
    assert create(reg1, name).code == 1000
    assert transfer(reg2, "request", name, pw="Wrong-Auth-Info-0123456789").code == 2202
    assert transfer(reg1, "request", name, pw=STRONG).code == 2106
    requested = transfer(reg2, "request", name, pw=STRONG, years=1)
    assert requested.code == 1001
    trn = requested.res("d:trnData")
    assert trn.findtext("d:trStatus", namespaces=NS) == "pending"
    assert trn.findtext("d:reID", namespaces=NS) == "reg2"
    assert trn.findtext("d:acID", namespaces=NS) == "reg1"
    assert transfer(reg2, "request", name, pw=STRONG).code == 2300
    assert "pendingTransfer" in [s.get("s") for s in
                                 info(reg1, name).res("d:infData").findall("d:status", NS)]
    assert update(reg1, name, add='<d:status s="clientHold"/>').code == 2300
    query = transfer(reg1, "query", name)
    assert query.code == 1000
    assert query.res("d:trnData").findtext("d:trStatus", namespaces=NS) == "pending"
    assert transfer(reg2, "approve", name).code == 2201  # only the losing side approves
    approved = transfer(reg1, "approve", name)
    assert approved.code == 1000
    assert approved.res("d:trnData").findtext("d:trStatus", namespaces=NS) == "clientApproved"
    assert info(reg2, name).res("d:infData").findtext("d:clID", namespaces=NS) == "reg2"
    assert transfer(reg1, "approve", name).code == 2301
    # RFC 9154: the authInfo was reset by the transfer
    assert transfer(reg1, "request", name, pw=STRONG).code == 2202


def test_transfer_reject_and_cancel(world, reg1, reg2):
    name = fresh()
    assert create(reg1, name).code == 1000
    assert transfer(reg2, "request", name, pw=STRONG).code == 1001
    assert transfer(reg1, "cancel", name).code == 2201  # only the gaining side cancels
    rejected = transfer(reg1, "reject", name)
    assert rejected.code == 1000
    assert rejected.res("d:trnData").findtext("d:trStatus", namespaces=NS) == "clientRejected"
    assert info(reg1, name).res("d:infData").findtext("d:clID", namespaces=NS) == "reg1"
    assert transfer(reg2, "request", name, pw=STRONG).code == 1001
    cancelled = transfer(reg2, "cancel", name)
    assert cancelled.code == 1000
    assert cancelled.res("d:trnData").findtext("d:trStatus", namespaces=NS) == "clientCancelled"
    assert transfer(reg2, "cancel", name).code == 2301
    assert transfer(reg2, "query", fresh()).code == 2303


def test_fifty_sessions_create_the_same_name_once(world):
    """The race the issue names: one 1000, the rest 2302, one debit."""
    name = fresh()
    before = world.registrar("reg1").balance
    sessions = [world.connect("reg1") for _ in range(50)]
    try:
        for epp in sessions:
            assert epp.login("reg1").code == 1000
        codes = concurrently(sessions, lambda epp: create(epp, name))
    finally:
        for epp in sessions:
            epp.close()
    assert sorted(codes) == [1000] + [2302] * 49
    assert world.registrar("reg1").balance == before - 1000
