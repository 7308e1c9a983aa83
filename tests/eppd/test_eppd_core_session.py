"""The real backend's greeting, login and service negotiation over TLS."""

from __future__ import annotations

import pytest
from eppd_client import Closed
from eppd_core_world import NS, OBJECTS, core_world
from eppd_servers import PASSWORDS
from lxml import etree

LAUNCH = "urn:ietf:params:xml:ns:launch-1.0"
TTL = "urn:ietf:params:xml:ns:epp:ttl-1.0"  # RFC 9803: not served


@pytest.fixture(scope="module")
def world(tmp_path_factory, pki, schema_check):
    with core_world(tmp_path_factory.mktemp("core-session"), pki, schema_check) as w:
        yield w


def test_greeting_menu_lists_what_we_serve(world):
    epp = world.connect()
    menu = etree.fromstring(epp.client.greeting).find("e:greeting/e:svcMenu", NS)
    epp.close()
    assert [e.text for e in menu.findall("e:objURI", NS)] == [*OBJECTS, NS["b"]]
    ext = [e.text for e in menu.findall("e:svcExtension/e:extURI", NS)]
    assert ext == [NS["s"], NS["r"], NS["f"], NS["ls"], NS["cp"],
                   "urn:ietf:params:xml:ns:epp:secure-authinfo-transfer-1.0",
                   "urn:ietf:params:xml:ns:epp:unhandled-namespaces-1.0", LAUNCH,
                   "urn:ietf:params:xml:ns:idn-1.0",
                   "urn:ietf:params:xml:ns:allocationToken-1.0"]


def test_login_succeeds_and_echoes_cltrid(world):
    epp = world.connect()
    reply = epp.login("reg1")
    assert reply.code == 1000
    assert reply.text("e:response/e:trID/e:clTRID") == epp.last_cl_trid
    ids = {reply.text("e:response/e:trID/e:svTRID")}
    for n in range(4):
        r = epp.command('<check><d:check><d:name>a.example</d:name></d:check></check>',
                        cl_trid=f"ABC-{n:05d}")
        assert r.code == 1000
        assert r.text("e:response/e:trID/e:clTRID") == f"ABC-{n:05d}"
        ids.add(r.text("e:response/e:trID/e:svTRID"))
    assert len(ids) == 5
    assert epp.logout().code == 1500
    epp.close()


@pytest.mark.parametrize(("clid", "password", "cert", "logged"), [
    ("reg1", "wrong-password", "reg1", "wrong password"),
    ("nobody", "secret-one", "reg1", "unknown clID"),
    ("reg1", PASSWORDS["reg1"], "reg2", "client certificate not registered"),
])
def test_login_refusals_are_2200_with_the_reason_only_in_the_log(world, clid, password, cert,
                                                                  logged):
    epp = world.connect(cert)
    reply = epp.login(clid, password)
    epp.close()
    assert reply.code == 2200
    assert reply.msg == "Authentication error"
    assert logged not in reply.frame.decode()
    assert world.log_mentions(logged)


def test_third_failed_login_closes_with_2501(world):
    epp = world.connect("reg2")
    assert epp.login("reg2", "bad-pass-1").code == 2200
    assert epp.login("reg2", "bad-pass-2").code == 2200
    assert epp.login("reg2", "bad-pass-3").code == 2501
    with pytest.raises(Closed):
        epp.client.read_frame()
    epp.close()


def test_new_password_at_login(world):
    new = "n3w-Secret-pw"
    epp = world.connect("reg2")
    assert epp.login("reg2", new_password=new).code == 1000
    epp.close()
    epp = world.connect("reg2")
    assert epp.login("reg2").code == 2200  # the old one no longer works
    assert epp.login("reg2", new, new_password=PASSWORDS["reg2"]).code == 1000
    epp.close()


def _login_sec(pw: str, new_pw: str) -> str:
    return (f'<epp xmlns="{NS["e"]}"><command><login><clID>reg2</clID>'
            "<pw>[LOGIN-SECURITY]</pw><newPW>[LOGIN-SECURITY]</newPW>"
            "<options><version>1.0</version><lang>en</lang></options>"
            f"<svcs><objURI>{NS['d']}</objURI><svcExtension><extURI>{NS['ls']}</extURI>"
            f'</svcExtension></svcs></login><extension><loginSec:loginSec xmlns:loginSec='
            f'"{NS["ls"]}"><loginSec:pw>{pw}</loginSec:pw><loginSec:newPW>{new_pw}'
            "</loginSec:newPW></loginSec:loginSec></extension><clTRID>sec-1</clTRID>"
            "</command></epp>")


def test_long_passwords_through_login_security(world):
    long_pw = "L0ng-" + "x" * 95
    epp = world.connect("reg2")
    assert epp.raw(_login_sec(PASSWORDS["reg2"], long_pw)).code == 1000
    epp.close()
    epp = world.connect("reg2")
    # beyond what the registry stores: a policy error, the password is unchanged
    assert epp.raw(_login_sec(long_pw, "y" * 200)).code == 2306
    assert epp.raw(_login_sec(long_pw, PASSWORDS["reg2"])).code == 1000
    epp.close()


def test_services_not_named_at_login_are_a_use_error(world):
    with world.session("reg1", objects=(NS["d"],), extensions=()) as epp:
        host = epp.command("<check><h:check><h:name>ns1.example.net</h:name></h:check></check>")
        assert host.code == 2002
        assert NS["h"] in host.msg
        fee = epp.command(
            "<check><d:check><d:name>a.example</d:name></d:check></check>",
            '<f:check><f:command name="create"/></f:check>')
        assert fee.code == 2002
        assert epp.command("<check><d:check><d:name>a.example</d:name></d:check></check>"
                           ).code == 1000


def test_extension_we_do_not_serve_is_2103_and_unknown_object_2307(world):
    with world.session("reg1") as epp:
        ttl = epp.command(
            "<update><d:update><d:name>a.example</d:name></d:update></update>",
            f'<t:update xmlns:t="{TTL}"><t:ttl for="NS">3600</t:ttl></t:update>')
        assert ttl.code == 2103
        assert ttl.text("e:response/e:trID/e:clTRID") == epp.last_cl_trid
        other = epp.command('<info><o:info xmlns:o="urn:example:obj-1.0"><o:id>x</o:id>'
                            "</o:info></info>")
        assert other.code == 2307


def test_invalid_command_is_2001(world):
    with world.session("reg1") as epp:
        reply = epp.command("<check><d:check><d:nom>a.example</d:nom></d:check></check>")
        assert reply.code == 2001
