"""ICANN RST v2.0, walked in its order against a real ``pyrar eppd`` over TLS: every
StandardEPP case (epp-01 .. epp-27) and MinimumRPMs case (minimumRPMs-01 .. 03) that
../shared/notes/epp-conformance-rst.md lists, then the IDN cases (idn-01, idn-02), as RST's
client drives them: two registrars, the launch-1.0 greeting, SMDs and claims notices from
a test TMCH generated here (tests/launch/tmch_kit.py). Every frame the server sends is
validated against our schemas (the ``schema_check`` fixture), as RST validates them.

The tests share one server and run in file order: later cases use objects earlier ones
made (``RUN``), as RST's cases do. docs/epp.md says how PyRar meets each case."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta

import pytest
from eppd_client import Closed, EppClient, client_context
from eppd_core_frames import create, host_create, info, transfer, update
from eppd_core_world import EXTENSIONS, NS, PRICES, STRONG, core_world
from eppd_launch_frames import LAUNCH, launch_create, notice
from eppd_servers import PASSWORDS
from lxml import etree

from registry.admin.idn_tables import load_idn_table
from registry.admin.tlds import add_tld, set_price
from registry.flows.context import Actor
from registry.launch.phases import set_phase
from tests.core.lgr_tables import GREEK, HAN, LATIN
from tests.launch.tmch_kit import TmchKit, install, notice_id

IDN = "urn:ietf:params:xml:ns:idn-1.0"
CLAIM_KEY = "2013041500/2/6/9/rJ1NrDO92vDsAzfgeCCnwYRVf10000002"
NOW = datetime.now(UTC)
RFC9325_TLS12 = {
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305",
}
REFUSED = (ssl.SSLError, Closed, ConnectionError)
DIGEST = "a" * 64
RUN: dict[str, str] = {}  # what earlier cases made, by role


@pytest.fixture(scope="module")
def world(tmp_path_factory, pki, schema_check):
    with core_world(tmp_path_factory.mktemp("rst"), pki, schema_check) as w:
        yield w


@pytest.fixture(scope="module")
def tmch(world) -> TmchKit:
    """RST's test TLDs: one on the minimum data set, one thick, one in sunrise, one in
    claims, one IDN-only and one mixed, both with IDN tables (Latin and Greek: o and
    omicron blocked variants of each other; Han: simplified and traditional allocatable
    ones); the test TMCH's CA, CRL (one revoked signer), DNL and SMDRL."""
    kit = TmchKit(NOW)
    revoked = kit.issue(serial=2000)

    def work(ctx):
        for tld, policy in (("minimum", {"data_model": "minimum"}),
                            ("thick", {"data_model": "thick"}), ("sunrise", {}),
                            ("claims", {}), ("idn", {"idn_only": True}), ("variants", {})):
            add_tld(ctx, tld, **policy)
            for op, amount in PRICES.items():
                set_price(ctx, tld, op, "USD", amount)
        for tld in ("sunrise", "claims"):
            set_phase(ctx, tld, tld, NOW - timedelta(days=1), NOW + timedelta(days=30))
        for tld in ("idn", "variants"):
            for table in (LATIN, GREEK, HAN):
                load_idn_table(ctx, tld, table)
        install(ctx, kit, (("trademark", CLAIM_KEY),),
                revoked_serials=(revoked.cert.serial_number,))
    world.registry.run(work, Actor.operator("rst"))
    kit.revoked_signer = revoked
    return kit


@pytest.fixture(scope="module")
def reg1(world, tmch):
    with world.session("reg1", extensions=(*EXTENSIONS, LAUNCH, IDN)) as epp:
        yield epp


@pytest.fixture(scope="module")
def reg2(world, tmch):
    with world.session("reg2", extensions=(*EXTENSIONS, LAUNCH, IDN)) as epp:
        yield epp


def failed(reply) -> bool:
    """RST: a command fails when its result code is 2000 or more (2400 is never right)."""
    return 2000 <= reply.code < 2400 or reply.code > 2400


def check_avail(epp, kind: str, *names: str) -> dict[str, str]:
    p = kind[0]
    reply = epp.command(f"<check><{p}:check>"
                        + "".join(f"<{p}:{'id' if p == 'c' else 'name'}>{n}"
                                  f"</{p}:{'id' if p == 'c' else 'name'}>" for n in names)
                        + f"</{p}:check></check>")
    assert reply.code == 1000, reply
    return {cd[0].text: cd[0].get("avail") for cd in reply.res(f"{p}:chkData")}


def contact_create(epp, handle: str, *, cc: str = "US", email: str = "rst@example.net",
                   voice: str = "+1.7035555555") -> object:
    return epp.command(
        f"<create><c:create><c:id>{handle}</c:id>"
        '<c:postalInfo type="int"><c:name>RST Tester</c:name><c:org>ICANN</c:org><c:addr>'
        "<c:street>12025 Waterfront Drive</c:street><c:street>Suite 300</c:street>"
        "<c:city>Los Angeles</c:city><c:sp>CA</c:sp><c:pc>90094</c:pc>"
        f"<c:cc>{cc}</c:cc></c:addr></c:postalInfo>"
        f'<c:voice x="1234">{voice}</c:voice><c:fax>+1.7035555556</c:fax>'
        f"<c:email>{email}</c:email><c:authInfo><c:pw>{STRONG}</c:pw></c:authInfo>"
        "</c:create></create>")


def contact_info(epp, handle: str):
    return epp.command(f"<info><c:info><c:id>{handle}</c:id></c:info></info>")


def contact_update(epp, handle: str, body: str):
    return epp.command(f"<update><c:update><c:id>{handle}</c:id>{body}</c:update></update>")


def host_info(epp, name: str):
    return epp.command(f"<info><h:info><h:name>{name}</h:name></h:info></info>")


def host_update(epp, name: str, add: str = "", rem: str = "", chg: str = ""):
    parts = "".join(f"<h:{k}>{v}</h:{k}>" for k, v in (("add", add), ("rem", rem),
                                                         ("chg", chg)) if v)
    return epp.command(f"<update><h:update><h:name>{name}</h:name>{parts}</h:update></update>")


def delete(epp, kind: str, name: str):
    p = kind[0]
    element = "id" if p == "c" else "name"
    return epp.command(f"<delete><{p}:delete><{p}:{element}>{name}</{p}:{element}>"
                       f"</{p}:delete></delete>")


def ds(key_tag: int = 12345, alg: int = 13, digest_type: int = 2, digest: str = DIGEST) -> str:
    return (f"<s:dsData><s:keyTag>{key_tag}</s:keyTag><s:alg>{alg}</s:alg><s:digestType>"
            f"{digest_type}</s:digestType><s:digest>{digest}</s:digest></s:dsData>")


def rgp_statuses(reply) -> list[str]:
    return [e.get("s") for e in reply.findall("e:response/e:extension/r:infData/r:rgpStatus")]


# --- StandardEPP ----------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")
def test_epp_01_tls(world):
    """TLS 1.2 with an RFC 9325 cipher, a certificate for the host name the client asked
    for, chained to a CA the client trusts; TLS 1.1 refused."""
    ctx = client_context(world.pki.ca, world.pki.clients["reg1"],
                         maximum=ssl.TLSVersion.TLSv1_2)
    with EppClient("127.0.0.1", world.port, ctx, check=world.check) as client:
        assert client.sock.version() == "TLSv1.2"
        assert client.sock.cipher()[0] in RFC9325_TLS12
    ctx = client_context(world.pki.ca, world.pki.clients["reg1"],
                         minimum=ssl.TLSVersion.TLSv1, maximum=ssl.TLSVersion.TLSv1_1,
                         ciphers="DEFAULT:@SECLEVEL=0")
    with pytest.raises(REFUSED):
        EppClient("127.0.0.1", world.port, ctx)


def test_epp_02_greeting(world):
    epp = world.connect()
    try:
        greeting = etree.fromstring(epp.client.greeting).find("e:greeting", NS)
    finally:
        epp.close()
    assert greeting.findtext("e:svID", namespaces=NS)
    sv_date = datetime.fromisoformat(greeting.findtext("e:svDate", namespaces=NS))
    assert abs(sv_date - datetime.now(UTC)) < timedelta(seconds=30)
    menu = greeting.find("e:svcMenu", NS)
    assert [v.text for v in menu.findall("e:version", NS)] == ["1.0"]
    assert "en" in [v.text for v in menu.findall("e:lang", NS)]
    objects = {v.text for v in menu.findall("e:objURI", NS)}
    assert {NS["d"], NS["h"], NS["c"]} <= objects
    extensions = {v.text for v in menu.findall("e:svcExtension/e:extURI", NS)}
    assert {NS["s"], NS["r"], LAUNCH} <= extensions  # mandatory
    assert {"urn:ietf:params:xml:ns:epp:secure-authinfo-transfer-1.0",  # else warnings
            "urn:ietf:params:xml:ns:epp:unhandled-namespaces-1.0", NS["ls"],
            NS["cp"]} <= extensions


@pytest.mark.parametrize("case", ["unknown clID", "wrong password", "other's certificate"])
def test_epp_03_login_refusals(world, case):
    clid, cert = {"unknown clID": ("nobody", "reg1"), "wrong password": ("reg1", "reg1"),
                  "other's certificate": ("reg1", "reg2")}[case]
    epp = world.connect(cert)
    try:
        password = "wrong-password-1" if case == "wrong password" else PASSWORDS["reg1"]
        assert epp.login(clid, password).code == 2200
    finally:
        epp.close()


def test_epp_03_login(world):
    with pytest.raises(REFUSED):
        world.connect(None)  # no client certificate: no session at all
    untrusted = client_context(world.pki.ca, world.pki.untrusted)  # an incorrect certificate
    with pytest.raises(REFUSED):
        EppClient("127.0.0.1", world.port, untrusted)
    # RST logs in with every URI of the greeting, through loginSec (RFC 8807) if offered
    epp = world.connect("reg1")
    try:
        menu = etree.fromstring(epp.client.greeting).find("e:greeting/e:svcMenu", NS)
        objects = "".join(f"<objURI>{e.text}</objURI>" for e in menu.findall("e:objURI", NS))
        extensions = "".join(f"<extURI>{e.text}</extURI>"
                             for e in menu.findall("e:svcExtension/e:extURI", NS))
        assert NS["ls"] in extensions
        reply = epp.raw(
            f'<epp xmlns="{NS["e"]}"><command><login><clID>reg1</clID>'
            "<pw>[LOGIN-SECURITY]</pw><options><version>1.0</version><lang>en</lang>"
            f"</options><svcs>{objects}<svcExtension>{extensions}</svcExtension></svcs>"
            f'</login><extension><loginSec:loginSec xmlns:loginSec="{NS["ls"]}">'
            "<loginSec:userAgent><loginSec:app>RST 2.0</loginSec:app></loginSec:userAgent>"
            f"<loginSec:pw>{PASSWORDS['reg1']}</loginSec:pw></loginSec:loginSec></extension>"
            "<clTRID>rst-03</clTRID></command></epp>")
        assert reply.code == 1000, reply
        assert epp.logout().code == 1500
    finally:
        epp.close()


def test_epp_04_domain_check(reg1):
    RUN["registered"] = "rst-registered.example"
    assert create(reg1, RUN["registered"]).code == 1000
    invalid = ["a" * 64 + ".example", "xn--bad.example", "xx--ab.example", "-ab.example"]
    avail = check_avail(reg1, "domain", *invalid, RUN["registered"], "rst-random-7x2.example")
    assert [avail[n] for n in invalid] == ["0"] * 4
    assert avail[RUN["registered"]] == "0"
    assert avail["rst-random-7x2.example"] == "1"


def test_epp_05_host_check(reg1):
    RUN["host"] = "ns1.rst-registered.example"
    assert host_create(reg1, RUN["host"], "192.0.2.1").code == 1000
    avail = check_avail(reg1, "host", RUN["host"], "ns9.rst-registered.example",
                        "-bad-.example")
    assert avail == {RUN["host"]: "0", "ns9.rst-registered.example": "1",
                     "-bad-.example": "0"}


def test_epp_06_contact_check(reg1):
    assert check_avail(reg1, "contact", "rst-free-1") == {"rst-free-1": "1"}


def test_epp_07_contact_create(reg1):
    for refused in (contact_create(reg1, "rst-bad-cc", cc="XX"),
                    contact_create(reg1, "rst-bad-email", email="not-an-email"),
                    contact_create(reg1, "rst-bad-voice", voice="555-5555")):
        assert failed(refused), refused
    assert contact_create(reg1, "rst-contact-1").code == 1000
    data = contact_info(reg1, "rst-contact-1").res("c:infData")
    assert data.findtext("c:postalInfo/c:name", namespaces=NS) == "RST Tester"
    assert data.findtext("c:postalInfo/c:addr/c:cc", namespaces=NS) == "US"
    assert [s.text for s in data.findall("c:postalInfo/c:addr/c:street", NS)] == \
        ["12025 Waterfront Drive", "Suite 300"]
    assert data.find("c:voice", NS).get("x") == "1234"
    assert data.findtext("c:email", namespaces=NS) == "rst@example.net"
    assert check_avail(reg1, "contact", "rst-contact-1") == {"rst-contact-1": "0"}


def test_epp_08_contact_access_control(reg2):
    assert contact_info(reg2, "rst-contact-1").code == 2201
    reply = contact_update(reg2, "rst-contact-1",
                           "<c:chg><c:email>other@example.net</c:email></c:chg>")
    assert reply.code == 2201


def test_epp_09_contact_update(reg1):
    handle = "rst-contact-1"
    assert contact_update(reg1, handle, '<c:add><c:status s="clientDeleteProhibited"/>'
                          "</c:add>").code == 1000
    assert contact_update(reg1, handle, '<c:chg><c:postalInfo type="loc"><c:name>Local Name'
                          "</c:name></c:postalInfo></c:chg>").code == 1000
    assert contact_update(reg1, handle, '<c:chg><c:postalInfo type="int"><c:addr>'
                          "<c:street>1 New Street</c:street><c:city>Reston</c:city>"
                          "<c:cc>US</c:cc></c:addr></c:postalInfo><c:voice>+1.7035550000"
                          "</c:voice><c:fax/><c:email>new@example.net</c:email></c:chg>"
                          ).code == 1000
    assert failed(contact_update(reg1, handle, "<c:chg><c:email>bad</c:email></c:chg>"))
    data = contact_info(reg1, handle).res("c:infData")
    assert "clientDeleteProhibited" in [s.get("s") for s in data.findall("c:status", NS)]
    assert data.findtext('c:postalInfo[@type="loc"]/c:name', namespaces=NS) == "Local Name"
    assert data.findtext('c:postalInfo[@type="int"]/c:addr/c:city', namespaces=NS) == \
        "Reston"
    assert data.findtext("c:voice", namespaces=NS) == "+1.7035550000"
    assert data.find("c:fax", NS) is None
    assert data.findtext("c:email", namespaces=NS) == "new@example.net"
    assert contact_update(reg1, handle, '<c:rem><c:status s="clientDeleteProhibited"/>'
                          "</c:rem>").code == 1000


def test_epp_10_contact_delete(reg1):
    assert contact_create(reg1, "rst-contact-del").code == 1000
    assert delete(reg1, "contact", "rst-contact-del").code in (1000, 1001)
    assert contact_info(reg1, "rst-contact-del").code == 2303


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::", "256.1.1.1", "1.2.3.4.5"])
def test_epp_11_host_create_refuses_bad_addresses(reg1, address):
    assert failed(host_create(reg1, "ns2.rst-registered.example", address))


def test_epp_11_host_create(reg1):
    wrong_family = reg1.command(
        "<create><h:create><h:name>ns2.rst-registered.example</h:name>"
        '<h:addr ip="v4">2001:db8::1</h:addr></h:create></create>')
    assert failed(wrong_family)
    assert host_create(reg1, "ns2.rst-registered.example", "192.0.2.2",
                       "2001:db8::2").code == 1000
    assert host_create(reg1, "ns1.epp-14.rst.icann").code == 1000  # external
    data = host_info(reg1, "ns2.rst-registered.example").res("h:infData")
    assert [(a.get("ip"), a.text) for a in data.findall("h:addr", NS)] == \
        [("v4", "192.0.2.2"), ("v6", "2001:db8::2")]


def test_epp_12_host_access_control(reg2):
    reply = host_update(reg2, RUN["host"], add='<h:addr ip="v4">192.0.2.9</h:addr>')
    assert reply.code == 2201


def test_epp_13_host_update(reg1):
    name = "ns2.rst-registered.example"
    assert host_update(reg1, name, add='<h:addr ip="v4">192.0.2.3</h:addr>'
                       '<h:status s="clientUpdateProhibited"/>',
                       rem='<h:addr ip="v6">2001:db8::2</h:addr>').code == 1000
    assert failed(host_update(reg1, name, add='<h:addr ip="v4">127.0.0.1</h:addr>'))
    data = host_info(reg1, name).res("h:infData")
    assert sorted(a.text for a in data.findall("h:addr", NS)) == ["192.0.2.2", "192.0.2.3"]
    assert "clientUpdateProhibited" in [s.get("s") for s in data.findall("h:status", NS)]
    assert host_update(reg1, name, rem='<h:status s="clientUpdateProhibited"/>').code == 1000


@pytest.mark.parametrize(("name", "years"), [
    ("a" * 64 + ".example", 1), ("xn--bad.example", 1), ("xx--ab.example", 1),
    ("rst-period.example", 11), ("rst-period.example", 0)])
def test_epp_14_domain_create_refusals(reg1, name, years):
    assert failed(create(reg1, name, years=years))


@pytest.mark.parametrize("bad", [
    ds(alg=5), ds(digest_type=1, digest="a" * 40), ds(digest="zz"),
    "<s:keyData><s:flags>255</s:flags><s:protocol>3</s:protocol><s:alg>13</s:alg>"
    "<s:pubKey>AQAB</s:pubKey></s:keyData>"])
def test_epp_14_dnssec_refusals(reg1, bad):
    assert failed(create(reg1, "rst-dnssec-bad.example", extension=f"<s:create>{bad}"
                         "</s:create>"))


def test_epp_14_domain_create(reg1, reg2):
    for years in (1, 10):
        assert create(reg1, f"rst-period-{years}.example", years=years).code == 1000
    unit = reg1.command('<create><d:create><d:name>rst-unit.example</d:name><d:period unit="x">'
                        "1</d:period><d:authInfo><d:pw>x</d:pw></d:authInfo></d:create>"
                        "</create>")
    assert failed(unit)
    # data model "minimum": a registrant is refused, none is required
    registrant = "<d:registrant>rst-contact-1</d:registrant>"
    assert failed(create(reg1, "rst-min.minimum", extra=registrant))
    assert create(reg1, "rst-min.minimum").code == 1000
    # data model "maximum" (thick): a registrant is required; one that exists
    assert failed(create(reg1, "rst-thick.thick"))
    assert failed(create(reg1, "rst-thick.example",
                         extra="<d:registrant>rst-no-such</d:registrant>"))
    assert failed(create(reg1, "rst-thick.example", ns=("ns9.rst-no-such.example",)))
    # host objects, not attributes
    attr = create(reg1, "rst-attr.example", extra="<d:ns><d:hostAttr><d:hostName>"
                  "ns1.epp-14.rst.icann</d:hostName></d:hostAttr></d:ns>")
    assert attr.code == 2102
    RUN["domain"] = "rst-domain.example"
    created = create(reg1, RUN["domain"], years=2, ns=("ns1.epp-14.rst.icann", RUN["host"]),
                     extra="<d:registrant>rst-contact-1</d:registrant>",
                     extension=f"<s:create>{ds()}</s:create>")
    assert created.code == 1000, created
    # RFC 9154: an empty authInfo is accepted (and stores none)
    assert create(reg2, "rst-domain-2.example", pw="").code == 1000
    RUN["theirs"] = "rst-domain-2.example"
    data = info(reg1, RUN["domain"])
    inf = data.res("d:infData")
    assert inf.findtext("d:roid", namespaces=NS).endswith("-PYRAR")
    assert inf.findtext("d:clID", namespaces=NS) == inf.findtext("d:crID", namespaces=NS) \
        == "reg1"
    created_at = datetime.fromisoformat(inf.findtext("d:crDate", namespaces=NS))
    expires = datetime.fromisoformat(inf.findtext("d:exDate", namespaces=NS))
    assert expires.year == created_at.year + 2
    assert data.ext("s:infData/s:dsData/s:keyTag").text == "12345"


def test_epp_15_integrity(reg1):
    assert delete(reg1, "contact", "rst-contact-1").code == 2305
    assert delete(reg1, "host", RUN["host"]).code == 2305


def test_epp_16_domain_update(reg1, reg2):
    name = RUN["domain"]
    assert update(reg1, name, add='<d:status s="clientHold"/>').code == 1000
    assert update(reg1, name, rem='<d:status s="clientHold"/>').code == 1000
    assert update(reg1, name, rem="<d:ns><d:hostObj>ns1.epp-14.rst.icann</d:hostObj></d:ns>"
                  ).code == 1000
    assert update(reg1, name, add="<d:ns><d:hostObj>ns2.rst-registered.example</d:hostObj>"
                  "</d:ns>").code == 1000
    assert contact_create(reg1, "rst-contact-2").code == 1000
    assert update(reg1, name, chg="<d:registrant>rst-contact-2</d:registrant>").code == 1000
    assert update(reg1, name, extension=f"<s:update><s:add>{ds(54321)}</s:add></s:update>"
                  ).code == 1000
    assert update(reg1, name, extension=f"<s:update><s:rem>{ds(54321)}</s:rem></s:update>"
                  ).code == 1000
    absent = update(reg1, name, extension=f"<s:update><s:rem>{ds(11111)}</s:rem></s:update>")
    assert failed(absent)
    invalid = update(reg1, name, extension=f"<s:update><s:add>{ds(alg=3)}</s:add></s:update>")
    assert failed(invalid)
    attr = update(reg1, name, add="<d:ns><d:hostAttr><d:hostName>ns3.epp-16.rst.icann"
                  "</d:hostName></d:hostAttr></d:ns>")
    assert failed(attr)
    assert update(reg2, name, add='<d:status s="clientHold"/>').code == 2201
    inf = info(reg1, name).res("d:infData")
    assert inf.findtext("d:registrant", namespaces=NS) == "rst-contact-2"
    assert [h.text for h in inf.findall("d:ns/d:hostObj", NS)] == \
        sorted([RUN["host"], "ns2.rst-registered.example"])


def test_epp_17_service_port_consistency(world, reg1):
    """Every address serves the same data: here the one loopback address, two sessions."""
    with world.session("reg1") as other:
        assert info(other, RUN["domain"]).res("d:infData") is not None
        assert etree.tostring(info(other, RUN["domain"]).res("d:infData")) == \
            etree.tostring(info(reg1, RUN["domain"]).res("d:infData"))


def test_epp_18_renew(reg1):
    name = RUN["domain"]
    before = info(reg1, name).text("e:response/e:resData/d:infData/d:exDate")
    too_far = reg1.command(f"<renew><d:renew><d:name>{name}</d:name><d:curExpDate>"
                           f"{before[:10]}</d:curExpDate><d:period unit=\"y\">9</d:period>"
                           "</d:renew></renew>")
    assert failed(too_far)
    renewed = reg1.command(f"<renew><d:renew><d:name>{name}</d:name><d:curExpDate>"
                           f"{before[:10]}</d:curExpDate><d:period unit=\"y\">1</d:period>"
                           "</d:renew></renew>")
    assert renewed.code == 1000, renewed
    after = info(reg1, name)
    new = datetime.fromisoformat(after.text("e:response/e:resData/d:infData/d:exDate"))
    assert new.year == datetime.fromisoformat(before).year + 1
    assert "renewPeriod" in rgp_statuses(after)


def test_epp_19_transfer(reg1, reg2):
    name = "rst-transfer.example"
    RUN["transferred"] = name
    assert create(reg1, name).code == 1000
    assert update(reg1, name, chg="<d:authInfo><d:pw>weak</d:pw></d:authInfo>").code == 2306
    assert transfer(reg2, "request", name, pw="Wrong-Auth-Info-0123456789").code == 2202
    assert failed(transfer(reg2, "request", name, pw=STRONG, years=10))
    requested = transfer(reg2, "request", name, pw=STRONG, years=1)
    assert requested.code == 1001, requested
    assert "pendingTransfer" in [s.get("s") for s in info(reg1, name).findall(
        "e:response/e:resData/d:infData/d:status")]
    assert transfer(reg1, "approve", name).code == 1000
    data = info(reg2, name)
    assert data.text("e:response/e:resData/d:infData/d:clID") == "reg2"
    assert "transferPeriod" in rgp_statuses(data)
    # RFC 9154: the authInfo was reset, the old one authorises nothing
    assert transfer(reg1, "request", name, pw=STRONG).code == 2202


def test_epp_20_transfer_reject(reg1, reg2):
    name = "rst-reject.example"
    assert create(reg1, name).code == 1000
    assert transfer(reg2, "request", name, pw=STRONG).code == 1001
    assert transfer(reg1, "reject", name).code == 1000
    inf = info(reg1, name).res("d:infData")
    assert inf.findtext("d:clID", namespaces=NS) == "reg1"
    assert "pendingTransfer" not in [s.get("s") for s in inf.findall("d:status", NS)]


def test_epp_21_domain_delete(reg1):
    name = "rst-delete.example"
    assert contact_create(reg1, "rst-contact-3").code == 1000
    assert host_create(reg1, "ns1.epp-21.rst.icann").code == 1000
    assert create(reg1, name, ns=("ns1.epp-21.rst.icann",),
                  extra="<d:registrant>rst-contact-3</d:registrant>").code == 1000
    deleted = delete(reg1, "domain", name)
    assert deleted.code in (1000, 1001)
    after = info(reg1, name)
    if deleted.code == 1000:
        assert after.code == 2303
    else:
        assert "pendingDelete" in [s.get("s") for s in after.findall(
            "e:response/e:resData/d:infData/d:status")]
    if deleted.code == 1000:  # the links went with the domain
        assert delete(reg1, "host", "ns1.epp-21.rst.icann").code == 1000
        assert delete(reg1, "contact", "rst-contact-3").code == 1000
        assert host_info(reg1, "ns1.epp-21.rst.icann").code == 2303
        assert contact_info(reg1, "rst-contact-3").code == 2303


def test_epp_23_host_rename(reg1, reg2):
    own = "rst-rename.example"
    assert create(reg1, own).code == 1000
    name = f"ns1.{own}"
    assert host_create(reg1, name, "192.0.2.10").code == 1000

    def rename(epp, old, new):
        return host_update(epp, old, chg=f"<h:name>{new}</h:name>")

    assert failed(rename(reg1, name, "-bad-.example"))
    assert rename(reg1, name, "ns1.rst-missing.example").code == 2303
    assert rename(reg1, name, f"ns1.{RUN['theirs']}").code == 2201
    assert rename(reg1, name, f"ns2.{own}").code == 1000  # into its own domain
    assert rename(reg1, f"ns2.{own}", "ns1.epp-23.rst.icann").code == 1000  # other TLD
    assert host_info(reg1, "ns1.epp-23.rst.icann").res("h:infData").find("h:addr", NS) is None
    # an external host another registrar's domain uses
    assert host_create(reg1, "ns2.epp-23.rst.icann").code == 1000
    assert update(reg2, RUN["theirs"], add="<d:ns><d:hostObj>ns2.epp-23.rst.icann"
                  "</d:hostObj></d:ns>").code == 1000
    assert rename(reg1, "ns2.epp-23.rst.icann", "ns3.epp-23.rst.icann").code == 2305


def test_epp_24_host_delete(reg1):
    assert delete(reg1, "host", "ns1.epp-23.rst.icann").code in (1000, 1001)
    assert host_info(reg1, "ns1.epp-23.rst.icann").code == 2303


def test_epp_25_subordinate_host_of_another_registrar(reg1):
    assert failed(host_create(reg1, f"ns5.{RUN['theirs']}", "192.0.2.25"))
    without = host_create(reg1, f"ns6.{RUN['theirs']}")
    if not failed(without):
        assert host_info(reg1, f"ns6.{RUN['theirs']}").text(
            "e:response/e:resData/h:infData/h:clID") == "reg2"


def test_epp_26_wide_glue(reg1):
    assert failed(host_create(reg1, f"ns7.{RUN['theirs']}", "192.0.2.26", "2001:db8::26"))


def test_epp_27_glueless_internal_host(reg1, reg2):
    glueless = host_create(reg1, f"ns8.{RUN['theirs']}")
    if not failed(glueless):  # then the domain's sponsor may not delegate to it
        assert failed(update(reg2, RUN["theirs"], add=f"<d:ns><d:hostObj>ns8.{RUN['theirs']}"
                             "</d:hostObj></d:ns>"))


# --- MinimumRPMs -------------------------------------------------------------------------

def test_minimum_rpms_01_claims_check(reg1):
    reply = reg1.command(
        "<check><d:check><d:name>trademark.claims</d:name><d:name>unmarked.claims</d:name>"
        "</d:check></check>",
        f'<launch:check xmlns:launch="{LAUNCH}" type="claims"><launch:phase>claims'
        "</launch:phase></launch:check>")
    assert reply.code == 1000, reply
    data = reply.ext(f"{{{LAUNCH}}}chkData")
    keys = {cd.findtext(f"{{{LAUNCH}}}name"): cd.findtext(f"{{{LAUNCH}}}claimKey")
            for cd in data.iter(f"{{{LAUNCH}}}cd")}
    assert keys == {"trademark.claims": CLAIM_KEY, "unmarked.claims": None}


@pytest.mark.parametrize("case", ["invalid", "revoked SMD", "revoked certificate",
                                  "other label"])
def test_minimum_rpms_02_sunrise_refusals(reg1, tmch, case):
    if case == "invalid":
        encoded = "bm90IGFuIFNNRA=="  # base64, not an SMD
    elif case == "revoked SMD":
        encoded = tmch.encoded("9-9", ("trademark",))
    elif case == "revoked certificate":
        encoded = tmch.encoded("1-7", ("trademark",), signer=tmch.revoked_signer)
    else:
        encoded = tmch.encoded("1-8", ("another",))
    reply = create(reg1, "trademark.sunrise", extension=launch_create(
        "sunrise", f"<smd:encodedSignedMark>{encoded}</smd:encodedSignedMark>"))
    assert failed(reply), reply


def test_minimum_rpms_02_sunrise_create(reg1, tmch):
    encoded = tmch.encoded("1-2", ("trademark",))
    reply = create(reg1, "trademark.sunrise", extension=launch_create(
        "sunrise", f"<smd:encodedSignedMark>{encoded}</smd:encodedSignedMark>"))
    assert reply.code in (1000, 1001), reply
    assert info(reg1, "trademark.sunrise").text("e:response/e:resData/d:infData/d:clID") == \
        "reg1"


def test_minimum_rpms_03_claims_create(reg1):
    now = datetime.now(UTC)
    not_after = (now + timedelta(days=1)).replace(microsecond=0)
    good = notice("trademark", not_after, now - timedelta(hours=1))
    bad_checksum = good.replace(notice_id("trademark", not_after),
                                "ffffffff" + notice_id("trademark", not_after)[8:])
    for refused in (bad_checksum,
                    notice("trademark", now - timedelta(hours=1), now - timedelta(hours=2)),
                    notice("trademark", not_after, now - timedelta(days=400))):
        reply = create(reg1, "trademark.claims", extension=launch_create("claims", refused))
        assert failed(reply), reply
    reply = create(reg1, "trademark.claims", extension=launch_create("claims", good))
    assert reply.code == 1000, reply


# --- IDN ---------------------------------------------------------------------------------

def idn_data(table: str, uname: str | None = None) -> str:
    u = f"<idn:uname>{uname}</idn:uname>" if uname else ""
    return f'<idn:data xmlns:idn="{IDN}"><idn:table>{table}</idn:table>{u}</idn:data>'


def test_idn_01_tables_and_variants(reg1, reg2):
    greek = "\u03b1\u03b2\u03b3"
    alabel = greek.encode("idna").decode() + ".idn"
    assert failed(create(reg1, alabel, extension=idn_data("und-Latn")))
    assert failed(create(reg1, alabel, extension=idn_data("und-Grek", "\u03b1\u03b2")))
    assert create(reg1, alabel, extension=idn_data("und-Grek", greek)).code == 1000
    mixed = "g\u03bfogle".encode("idna").decode() + ".idn"
    assert failed(create(reg1, mixed))
    assert create(reg1, "oo.variants", extension=idn_data("und-Latn")).code == 1000
    blocked = "\u03bf\u03bf".encode("idna").decode() + ".variants"  # Greek omicrons
    for epp in (reg1, reg2):  # a blocked variant: refused even to the name's sponsor
        reply = create(epp, blocked)
        assert reply.code == 2306 and "blocked variant of oo.variants" in reply.msg, reply
    # allocatable variants: only for the name's registrar and registrant
    simplified, traditional = ("\u4e2d\u56fd", "\u4e2d\u570b")
    simplified, traditional = (f"{label.encode('idna').decode()}.variants"
                               for label in (simplified, traditional))
    registrant = "<d:registrant>rst-contact-1</d:registrant>"
    assert create(reg1, simplified, extra=registrant,
                  extension=idn_data("und-Hani")).code == 1000
    assert create(reg2, traditional).code == 2306
    assert create(reg1, traditional,
                  extra="<d:registrant>rst-contact-2</d:registrant>").code == 2306
    assert create(reg1, traditional, extra=registrant,
                  extension=idn_data("und-Hani")).code == 1000


def test_idn_02_ascii_names_in_an_idn_only_tld(reg1):
    assert check_avail(reg1, "domain", "ascii.idn") == {"ascii.idn": "0"}
    assert create(reg1, "ascii.idn").code == 2306


def test_idn_variant_bundles_transfer_whole(reg1, reg2):
    """Beyond RST: a variant bundle never splits (docs/epp.md). A transfer of an allocated
    variant is 2305 naming the primary; the primary's approved transfer moves it too."""
    primary, variant = (f"{label.encode('idna').decode()}.variants"
                        for label in ("\u56fd\u56fd", "\u56fd\u570b"))
    for name in (primary, variant):
        assert create(reg1, name, extension=idn_data("und-Hani")).code == 1000
    reply = transfer(reg2, "request", variant, pw=STRONG)
    assert reply.code == 2305 and f"allocated variant of {primary}" in reply.msg, reply
    assert transfer(reg2, "request", primary, pw=STRONG, years=1).code == 1001
    assert transfer(reg1, "approve", primary).code == 1000
    for name in (primary, variant):
        assert info(reg2, name).text("e:response/e:resData/d:infData/d:clID") == "reg2"
    moved = transfer(reg2, "query", variant)
    assert moved.text("e:response/e:resData/d:trnData/d:trStatus") == "clientApproved"
