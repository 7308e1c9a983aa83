"""Host (RFC 5732) and contact (RFC 5733) commands through the real backend."""

from __future__ import annotations

import itertools

import pytest
from eppd_core_frames import create, fresh, host_create, update
from eppd_core_world import NS, STRONG, core_world

_ids = itertools.count(1)


@pytest.fixture(scope="module")
def world(tmp_path_factory, pki, schema_check):
    with core_world(tmp_path_factory.mktemp("core-host-contact"), pki, schema_check) as w:
        yield w


def host_info(epp, name):
    return epp.command(f"<info><h:info><h:name>{name}</h:name></h:info></info>")


def host_update(epp, name, add="", rem="", chg=""):
    parts = "".join(f"<h:{k}>{v}</h:{k}>" for k, v in (("add", add), ("rem", rem),
                                                         ("chg", chg)) if v)
    return epp.command(f"<update><h:update><h:name>{name}</h:name>{parts}</h:update></update>")


def host_delete(epp, name):
    return epp.command(f"<delete><h:delete><h:name>{name}</h:name></h:delete></delete>")


# hosts


def test_host_check_create_info(world, reg1):
    domain = fresh()
    assert create(reg1, domain).code == 1000
    name = f"ns1.{domain}"
    check = reg1.command(f"<check><h:check><h:name>{name}</h:name></h:check></check>")
    assert check.res("h:chkData/h:cd/h:name").get("avail") == "1"
    created = host_create(reg1, name, "192.0.2.53", "2001:db8::53")
    assert created.code == 1000
    assert created.text("e:response/e:resData/h:creData/h:name") == name
    assert host_create(reg1, name).code == 2302
    check = reg1.command(f"<check><h:check><h:name>{name}</h:name></h:check></check>")
    assert check.res("h:chkData/h:cd/h:name").get("avail") == "0"
    inf = host_info(reg1, name).res("h:infData")
    assert [(a.get("ip"), a.text) for a in inf.findall("h:addr", NS)] == \
        [("v4", "192.0.2.53"), ("v6", "2001:db8::53")]
    assert inf.findtext("h:clID", namespaces=NS) == "reg1"
    assert [s.get("s") for s in inf.findall("h:status", NS)] == ["ok"]


@pytest.mark.parametrize(("address", "code"), [
    ("127.0.0.1", 2306), ("::1", 2306), ("256.1.1.1", 2005), ("1.2.3.4.5", 2005)])
def test_host_addresses_are_checked(world, reg1, address, code):
    domain = fresh()
    assert create(reg1, domain).code == 1000
    assert host_create(reg1, f"ns.{domain}", address).code == code


def test_host_placement_rules(world, reg1, reg2):
    theirs = fresh()
    assert create(reg2, theirs).code == 1000
    assert host_create(reg1, f"ns.{theirs}", "192.0.2.1").code == 2201
    assert host_create(reg1, f"ns.{fresh()}", "192.0.2.1").code == 2303
    external = f"ns{next(_ids)}.rst-test.icann"
    assert host_create(reg1, external).code == 1000
    assert host_create(reg1, f"ns{next(_ids)}.outside.net", "192.0.2.1").code == 2306


def test_host_update_rename_and_delete(world, reg1, reg2):
    domain = fresh()
    assert create(reg1, domain).code == 1000
    name = f"ns1.{domain}"
    assert host_create(reg1, name, "192.0.2.1").code == 1000
    assert host_update(reg1, name, add='<h:addr ip="v4">192.0.2.2</h:addr>',
                       rem='<h:addr ip="v4">192.0.2.1</h:addr>').code == 1000
    assert host_update(reg1, name, rem='<h:addr ip="v4">192.0.2.1</h:addr>').code == 2306
    assert host_update(reg2, name, add='<h:status s="clientDeleteProhibited"/>').code == 2201
    assert host_update(reg1, name, add='<h:status s="clientDeleteProhibited"/>').code == 1000
    assert host_delete(reg1, name).code == 2304
    assert host_update(reg1, name, rem='<h:status s="clientDeleteProhibited"/>').code == 1000
    renamed = f"ns2.{domain}"
    assert host_update(reg1, name, chg=f"<h:name>{renamed}</h:name>").code == 1000
    assert host_info(reg1, name).code == 2303
    assert update(reg1, domain, add=f"<d:ns><d:hostObj>{renamed}</d:hostObj></d:ns>"
                  ).code == 1000
    assert host_delete(reg1, renamed).code == 2305  # linked (RST epp-15)
    assert "linked" in [s.get("s") for s in
                        host_info(reg1, renamed).res("h:infData").findall("h:status", NS)]
    assert update(reg1, domain, rem=f"<d:ns><d:hostObj>{renamed}</d:hostObj></d:ns>"
                  ).code == 1000
    assert host_delete(reg2, renamed).code == 2201
    assert host_delete(reg1, renamed).code == 1000
    assert host_delete(reg1, renamed).code == 2303


# contacts


def contact_create(epp, handle, *, postal=None, voice="+1.7035555555", email="jd@example.com",
                   pw=STRONG, disclose=""):
    postal = postal or ('<c:postalInfo type="int"><c:name>John Doe</c:name>'
                        "<c:org>Example Inc.</c:org><c:addr><c:street>123 Example Dr.</c:street>"
                        "<c:city>Dulles</c:city><c:sp>VA</c:sp><c:pc>20166-6503</c:pc>"
                        "<c:cc>US</c:cc></c:addr></c:postalInfo>")
    voice_xml = f'<c:voice x="1234">{voice}</c:voice>' if voice else ""
    return epp.command(
        f"<create><c:create><c:id>{handle}</c:id>{postal}{voice_xml}<c:email>{email}"
        f"</c:email><c:authInfo><c:pw>{pw}</c:pw></c:authInfo>{disclose}</c:create></create>")


def contact_info(epp, handle, pw=None):
    auth = f"<c:authInfo><c:pw>{pw}</c:pw></c:authInfo>" if pw else ""
    return epp.command(f"<info><c:info><c:id>{handle}</c:id>{auth}</c:info></info>")


def contact_update(epp, handle, body):
    return epp.command(f"<update><c:update><c:id>{handle}</c:id>{body}</c:update></update>")


def handle() -> str:
    return f"ct-{next(_ids)}-{fresh()[-12:-8]}"


def test_contact_create_info_echoes_the_data(world, reg1):
    h = handle()
    created = contact_create(reg1, h, disclose='<c:disclose flag="0"><c:voice/><c:email/>'
                             "</c:disclose>")
    assert created.code == 1000
    assert created.text("e:response/e:resData/c:creData/c:id") == h
    assert contact_create(reg1, h).code == 2302
    check = reg1.command(f"<check><c:check><c:id>{h}</c:id><c:id>free-{h}</c:id></c:check>"
                         "</check>")
    assert [i.get("avail") for i in check.findall("e:response/e:resData/c:chkData/c:cd/c:id")
            ] == ["0", "1"]
    inf = contact_info(reg1, h).res("c:infData")
    assert inf.findtext("c:postalInfo/c:name", namespaces=NS) == "John Doe"
    assert inf.findtext("c:postalInfo/c:addr/c:pc", namespaces=NS) == "20166-6503"
    assert inf.find("c:voice", NS).get("x") == "1234"
    assert inf.findtext("c:email", namespaces=NS) == "jd@example.com"
    assert inf.find("c:authInfo", NS) is None  # RFC 9154
    disclose = inf.find("c:disclose", NS)
    assert disclose.get("flag") == "0"
    assert [etree_name(e) for e in disclose] == ["voice", "email"]


def etree_name(element) -> str:
    return element.tag.rsplit("}", 1)[1]


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"email": "not-an-email"}, 2005),
    ({"voice": "+1.70355555555555555"}, 2001),  # longer than the schema allows
    ({"postal": '<c:postalInfo type="int"><c:name>X</c:name><c:addr><c:city>Y</c:city>'
                "<c:cc>ZZ</c:cc></c:addr></c:postalInfo>"}, 2005),
    ({"pw": "weak"}, 2306),
])
def test_contact_create_validation(world, reg1, kwargs, code):
    assert contact_create(reg1, handle(), **kwargs).code == code


def test_contact_access_control_and_update(world, reg1, reg2):
    h = handle()
    assert contact_create(reg1, h).code == 1000
    assert contact_info(reg2, h).code == 2201  # RST epp-08
    assert contact_info(reg2, h, pw="Wrong-Str0ng-Auth-Info-0123").code == 2202
    assert contact_info(reg2, h, pw=STRONG).code == 1000
    assert contact_update(reg2, h, "<c:chg><c:email>x@example.com</c:email></c:chg>"
                          ).code == 2201
    # a partial postalInfo change keeps what it does not mention (RFC 5733 3.2.5)
    assert contact_update(reg1, h, '<c:chg><c:postalInfo type="int"><c:name>Jane Doe'
                          "</c:name></c:postalInfo><c:voice/></c:chg>").code == 1000
    inf = contact_info(reg1, h).res("c:infData")
    assert inf.findtext("c:postalInfo/c:name", namespaces=NS) == "Jane Doe"
    assert inf.findtext("c:postalInfo/c:org", namespaces=NS) == "Example Inc."
    assert inf.findtext("c:postalInfo/c:addr/c:city", namespaces=NS) == "Dulles"
    assert inf.find("c:voice", NS) is None
    # a loc postalInfo not stored yet starts from the int one (RST epp-09)
    assert contact_update(reg1, h, '<c:chg><c:postalInfo type="loc"><c:name>Jeanne'
                          "</c:name></c:postalInfo></c:chg>").code == 1000
    loc = contact_info(reg1, h).res("c:infData").find('c:postalInfo[@type="loc"]', NS)
    assert loc.findtext("c:name", namespaces=NS) == "Jeanne"
    assert loc.findtext("c:addr/c:city", namespaces=NS) == "Dulles"
    assert contact_update(reg1, h, '<c:add><c:status s="clientDeleteProhibited"/></c:add>'
                          ).code == 1000
    assert reg1.command(f"<delete><c:delete><c:id>{h}</c:id></c:delete></delete>"
                        ).code == 2304
    assert contact_update(reg1, h, '<c:rem><c:status s="clientDeleteProhibited"/></c:rem>'
                          ).code == 1000


def test_contact_linked_to_a_domain_cannot_be_deleted(world, reg1):
    h = handle()
    assert contact_create(reg1, h).code == 1000
    domain = fresh()
    assert create(reg1, domain, extra=f"<d:registrant>{h}</d:registrant>").code == 1000
    assert reg1.command(f"<delete><c:delete><c:id>{h}</c:id></c:delete></delete>"
                        ).code == 2305
    assert update(reg1, domain, chg="<d:registrant/>").code == 1000
    assert reg1.command(f"<delete><c:delete><c:id>{h}</c:id></c:delete></delete>"
                        ).code == 1000
    assert contact_info(reg1, h).code == 2303


def test_contact_transfer_operations(world, reg1, reg2):
    h = handle()
    assert contact_create(reg1, h).code == 1000

    def transfer(epp, op, pw=None):
        auth = f"<c:authInfo><c:pw>{pw}</c:pw></c:authInfo>" if pw else ""
        return epp.command(f'<transfer op="{op}"><c:transfer><c:id>{h}</c:id>{auth}'
                           "</c:transfer></transfer>")

    assert transfer(reg2, "request", "Wrong-Str0ng-Auth-Info-0123").code == 2202
    assert transfer(reg2, "request", STRONG).code == 1001
    assert transfer(reg1, "query").res("c:trnData").findtext(
        "c:trStatus", namespaces=NS) == "pending"
    assert transfer(reg1, "reject").code == 1000
    assert transfer(reg2, "request", STRONG).code == 1001
    assert transfer(reg2, "cancel").code == 1000
    assert transfer(reg2, "request", STRONG).code == 1001
    assert transfer(reg1, "approve").res("c:trnData").findtext(
        "c:trStatus", namespaces=NS) == "clientApproved"
    assert contact_info(reg2, h).res("c:infData").findtext("c:clID", namespaces=NS) == "reg2"
