"""Hand-written frames of each kind: the wrapper schema accepts the valid, rejects the invalid."""

from __future__ import annotations

import pytest

from eppd.parsing import parse_frame
from eppd.validation import SchemaInvalid

NS = (
    'xmlns="urn:ietf:params:xml:ns:epp-1.0" '
    'xmlns:domain="urn:ietf:params:xml:ns:domain-1.0" '
    'xmlns:host="urn:ietf:params:xml:ns:host-1.0" '
    'xmlns:contact="urn:ietf:params:xml:ns:contact-1.0" '
    'xmlns:secDNS="urn:ietf:params:xml:ns:secDNS-1.1" '
    'xmlns:rgp="urn:ietf:params:xml:ns:rgp-1.0" '
    'xmlns:fee="urn:ietf:params:xml:ns:epp:fee-1.0" '
    'xmlns:loginSec="urn:ietf:params:xml:ns:epp:loginSec-1.0" '
    'xmlns:changePoll="urn:ietf:params:xml:ns:changePoll-1.0" '
    'xmlns:launch="urn:ietf:params:xml:ns:launch-1.0" '
    'xmlns:mark="urn:ietf:params:xml:ns:mark-1.0" '
    'xmlns:smd="urn:ietf:params:xml:ns:signedMark-1.0" '
    'xmlns:ds="http://www.w3.org/2000/09/xmldsig#"'
)


def epp(body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<epp {NS}>{body}</epp>\n'.encode()


def command(verb: str, ext: str = "", trid: str = "PYRAR-0001") -> bytes:
    extension = f"<extension>{ext}</extension>" if ext else ""
    return epp(f"<command>{verb}{extension}<clTRID>{trid}</clTRID></command>")


def response(res_data: str = "", ext: str = "", code: int = 1000, msgq: str = "") -> bytes:
    data = f"<resData>{res_data}</resData>" if res_data else ""
    extension = f"<extension>{ext}</extension>" if ext else ""
    return epp(
        f'<response><result code="{code}"><msg>Command completed successfully</msg></result>'
        f"{msgq}{data}{extension}"
        "<trID><clTRID>PYRAR-0001</clTRID><svTRID>SV-77-0001</svTRID></trID></response>"
    )


AUTH = "<domain:authInfo><domain:pw>2fooBAR!x9</domain:pw></domain:authInfo>"
DS = (
    "<secDNS:dsData><secDNS:keyTag>12345</secDNS:keyTag><secDNS:alg>13</secDNS:alg>"
    "<secDNS:digestType>2</secDNS:digestType>"
    "<secDNS:digest>49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4ACAB12"
    "</secDNS:digest></secDNS:dsData>"
)
MARK = (
    "<mark:mark><mark:trademark><mark:id>0001234567-1</mark:id>"
    "<mark:markName>Pyrar Widgets</mark:markName>"
    '<mark:holder entitlement="owner"><mark:org>Pyrar Widgets Ltd</mark:org>'
    "<mark:addr><mark:street>1 Sample Road</mark:street><mark:city>Testville</mark:city>"
    "<mark:cc>NZ</mark:cc></mark:addr></mark:holder>"
    "<mark:jurisdiction>NZ</mark:jurisdiction><mark:class>9</mark:class>"
    "<mark:label>pyrarwidgets</mark:label>"
    "<mark:goodsAndServices>Widgets for testing</mark:goodsAndServices>"
    "<mark:regNum>998877</mark:regNum><mark:regDate>2019-05-01T00:00:00Z</mark:regDate>"
    "</mark:trademark></mark:mark>"
)
SIGNATURE = (
    "<ds:Signature><ds:SignedInfo>"
    '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
    '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
    '<ds:Reference URI="#smd1"><ds:Transforms>'
    '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
    '</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
    "<ds:DigestValue>cHlyYXItdGVzdA==</ds:DigestValue></ds:Reference></ds:SignedInfo>"
    "<ds:SignatureValue>c2lnbmF0dXJl</ds:SignatureValue>"
    "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>Y2VydA==</ds:X509Certificate>"
    "</ds:X509Data></ds:KeyInfo></ds:Signature>"
)

VALID = {
    "hello": epp("<hello/>"),
    "greeting": epp(
        "<greeting><svID>PyRar EPP</svID><svDate>2026-01-02T03:04:05.6Z</svDate>"
        "<svcMenu><version>1.0</version><lang>en</lang>"
        "<objURI>urn:ietf:params:xml:ns:domain-1.0</objURI>"
        "<objURI>urn:ietf:params:xml:ns:host-1.0</objURI>"
        "<svcExtension><extURI>urn:ietf:params:xml:ns:secDNS-1.1</extURI>"
        "<extURI>urn:ietf:params:xml:ns:launch-1.0</extURI></svcExtension></svcMenu>"
        "<dcp><access><all/></access><statement><purpose><admin/><prov/></purpose>"
        "<recipient><ours/><public/></recipient><retention><stated/></retention>"
        "</statement></dcp></greeting>"
    ),
    "login+loginSec": command(
        "<login><clID>registrar-7</clID><pw>[LOGIN-SECURITY]</pw>"
        "<options><version>1.0</version><lang>en</lang></options>"
        "<svcs><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI>"
        "<svcExtension><extURI>urn:ietf:params:xml:ns:epp:loginSec-1.0</extURI>"
        "</svcExtension></svcs></login>",
        "<loginSec:loginSec><loginSec:userAgent><loginSec:app>pyrar-tests 1.0</loginSec:app>"
        "</loginSec:userAgent><loginSec:pw>a much longer passphrase than sixteen</loginSec:pw>"
        "</loginSec:loginSec>",
    ),
    "logout": command("<logout/>"),
    "poll req": command('<poll op="req"/>'),
    "poll ack": command('<poll op="ack" msgID="442"/>'),
    "domain check+fee": command(
        "<check><domain:check><domain:name>alpha.example</domain:name>"
        "<domain:name>beta.example</domain:name></domain:check></check>",
        '<fee:check><fee:currency>USD</fee:currency><fee:command name="create">'
        '<fee:period unit="y">2</fee:period></fee:command><fee:command name="renew"/>'
        "</fee:check>",
    ),
    "domain check+launch claims": command(
        "<check><domain:check><domain:name>widgets.example</domain:name></domain:check></check>",
        '<launch:check type="claims"><launch:phase>claims</launch:phase></launch:check>',
    ),
    "domain create+secDNS+fee": command(
        "<create><domain:create><domain:name>alpha.example</domain:name>"
        '<domain:period unit="y">1</domain:period>'
        "<domain:ns><domain:hostObj>ns1.epp-14.rst.icann</domain:hostObj>"
        "<domain:hostObj>ns2.epp-14.rst.icann</domain:hostObj></domain:ns>"
        '<domain:registrant>reg-c1</domain:registrant><domain:contact type="admin">adm-c1'
        f'</domain:contact><domain:contact type="tech">tech-c1</domain:contact>{AUTH}'
        "</domain:create></create>",
        f"<secDNS:create>{DS}</secDNS:create>"
        '<fee:create><fee:currency>EUR</fee:currency><fee:fee refundable="1">10.00</fee:fee>'
        "</fee:create>",
    ),
    "domain create hostAttr": command(
        "<create><domain:create><domain:name>glue.example</domain:name>"
        "<domain:ns><domain:hostAttr><domain:hostName>ns1.glue.example</domain:hostName>"
        '<domain:hostAddr ip="v4">192.0.2.53</domain:hostAddr>'
        '<domain:hostAddr ip="v6">2001:db8::53</domain:hostAddr></domain:hostAttr>'
        f"</domain:ns>{AUTH}</domain:create></create>"
    ),
    "domain create+launch sunrise encoded SMD": command(
        f"<create><domain:create><domain:name>widgets.example</domain:name>{AUTH}"
        "</domain:create></create>",
        '<launch:create type="registration"><launch:phase>sunrise</launch:phase>'
        "<smd:encodedSignedMark>UHlSYXIgdGVzdCBTTUQ=</smd:encodedSignedMark></launch:create>",
    ),
    "domain create+launch signed mark": command(
        f"<create><domain:create><domain:name>widgets.example</domain:name>{AUTH}"
        "</domain:create></create>",
        '<launch:create><launch:phase>sunrise</launch:phase><smd:signedMark id="smd1">'
        '<smd:id>1-2</smd:id><smd:issuerInfo issuerID="65535"><smd:org>Test Validator</smd:org>'
        "<smd:email>validator@example.net</smd:email></smd:issuerInfo>"
        "<smd:notBefore>2025-01-01T00:00:00Z</smd:notBefore>"
        f"<smd:notAfter>2027-01-01T00:00:00Z</smd:notAfter>{MARK}{SIGNATURE}"
        "</smd:signedMark></launch:create>",
    ),
    "domain create+launch claims notice": command(
        f"<create><domain:create><domain:name>widgets.example</domain:name>{AUTH}"
        "</domain:create></create>",
        "<launch:create><launch:phase>claims</launch:phase><launch:notice>"
        '<launch:noticeID validatorID="tmch">370d0b7c9223372036854775807</launch:noticeID>'
        "<launch:notAfter>2026-03-02T09:00:00Z</launch:notAfter>"
        "<launch:acceptedDate>2026-03-01T09:00:00Z</launch:acceptedDate>"
        "</launch:notice></launch:create>",
    ),
    "domain info": command(
        '<info><domain:info><domain:name hosts="sub">alpha.example</domain:name>'
        f"{AUTH}</domain:info></info>"
    ),
    "domain update+secDNS": command(
        "<update><domain:update><domain:name>alpha.example</domain:name>"
        "<domain:add><domain:ns><domain:hostObj>ns3.example.net</domain:hostObj></domain:ns>"
        '<domain:status s="clientHold" lang="en">payment overdue</domain:status></domain:add>'
        '<domain:rem><domain:contact type="tech">tech-c1</domain:contact></domain:rem>'
        "<domain:chg><domain:registrant/><domain:authInfo><domain:null/></domain:authInfo>"
        "</domain:chg></domain:update></update>",
        f'<secDNS:update urgent="true"><secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem>'
        f"<secDNS:add>{DS}</secDNS:add></secDNS:update>",
    ),
    "domain update+rgp restore": command(
        "<update><domain:update><domain:name>alpha.example</domain:name>"
        "<domain:chg/></domain:update></update>",
        '<rgp:update><rgp:restore op="request"/></rgp:update>',
    ),
    "domain renew": command(
        "<renew><domain:renew><domain:name>alpha.example</domain:name>"
        '<domain:curExpDate>2027-04-03</domain:curExpDate><domain:period unit="y">3'
        "</domain:period></domain:renew></renew>"
    ),
    "domain transfer request": command(
        '<transfer op="request"><domain:transfer><domain:name>alpha.example</domain:name>'
        f'<domain:period unit="y">1</domain:period>{AUTH}</domain:transfer></transfer>'
    ),
    "domain delete": command(
        "<delete><domain:delete><domain:name>alpha.example</domain:name></domain:delete></delete>"
    ),
    "host create": command(
        "<create><host:create><host:name>ns1.alpha.example</host:name>"
        '<host:addr ip="v4">192.0.2.2</host:addr><host:addr ip="v6">2001:db8::2</host:addr>'
        "</host:create></create>"
    ),
    "host update": command(
        "<update><host:update><host:name>ns1.alpha.example</host:name>"
        '<host:rem><host:addr ip="v4">192.0.2.2</host:addr></host:rem>'
        "<host:chg><host:name>ns9.alpha.example</host:name></host:chg></host:update></update>"
    ),
    "contact create": command(
        "<create><contact:create><contact:id>reg-c1</contact:id>"
        '<contact:postalInfo type="int"><contact:name>Ada Example</contact:name>'
        "<contact:addr><contact:street>1 Sample Road</contact:street>"
        "<contact:city>Testville</contact:city><contact:pc>1010</contact:pc>"
        "<contact:cc>NZ</contact:cc></contact:addr></contact:postalInfo>"
        '<contact:voice x="12">+64.41234567</contact:voice>'
        "<contact:email>ada@example.net</contact:email>"
        "<contact:authInfo><contact:pw>c0ntact!Pw</contact:pw></contact:authInfo>"
        '<contact:disclose flag="0"><contact:voice/><contact:email/></contact:disclose>'
        "</contact:create></create>"
    ),
    "contact transfer query": command(
        '<transfer op="query"><contact:transfer><contact:id>reg-c1</contact:id>'
        "</contact:transfer></transfer>"
    ),
    "response domain chkData+fee": response(
        '<domain:chkData><domain:cd><domain:name avail="1">alpha.example</domain:name>'
        '</domain:cd><domain:cd><domain:name avail="0">beta.example</domain:name>'
        "<domain:reason>In use</domain:reason></domain:cd></domain:chkData>",
        "<fee:chkData><fee:currency>USD</fee:currency><fee:cd><fee:objID>alpha.example"
        '</fee:objID><fee:command name="create" standard="1"><fee:period unit="y">1'
        '</fee:period><fee:fee description="Registration Fee">12.50</fee:fee>'
        '</fee:command></fee:cd><fee:cd avail="0"><fee:objID>beta.example</fee:objID>'
        "<fee:reason>Not available</fee:reason></fee:cd></fee:chkData>",
    ),
    "response domain infData+rgp+secDNS": response(
        "<domain:infData><domain:name>alpha.example</domain:name>"
        '<domain:roid>D12_1-ICANNRST</domain:roid><domain:status s="ok"/>'
        '<domain:registrant>reg-c1</domain:registrant><domain:contact type="admin">adm-c1'
        "</domain:contact><domain:ns><domain:hostObj>ns1.alpha.example</domain:hostObj>"
        "</domain:ns><domain:host>ns1.alpha.example</domain:host>"
        "<domain:clID>registrar-7</domain:clID><domain:crID>registrar-7</domain:crID>"
        "<domain:crDate>2026-01-02T03:04:05Z</domain:crDate>"
        f"<domain:exDate>2027-01-02T03:04:05Z</domain:exDate>{AUTH}</domain:infData>",
        '<rgp:infData><rgp:rgpStatus s="addPeriod"/></rgp:infData>'
        f"<secDNS:infData>{DS}</secDNS:infData>",
    ),
    "response domain creData+launch": response(
        "<domain:creData><domain:name>widgets.example</domain:name>"
        "<domain:crDate>2026-01-02T03:04:05Z</domain:crDate></domain:creData>",
        "<launch:creData><launch:phase>sunrise</launch:phase>"
        "<launch:applicationID>2393-9323-E08C-03B1</launch:applicationID></launch:creData>",
        code=1001,
    ),
    "response launch claims chkData": response(
        ext="<launch:chkData><launch:phase>claims</launch:phase><launch:cd>"
        '<launch:name exists="1">widgets.example</launch:name>'
        '<launch:claimKey validatorID="tmch">2013041500/2/6/9/rJ1NrDO92vDsAzf7EQzgjX4R0000000001'
        "</launch:claimKey></launch:cd></launch:chkData>"
    ),
    "response login loginSecData": response(
        ext='<loginSec:loginSecData><loginSec:event type="password" level="warning" '
        'exDate="2026-04-01T22:00:00.0Z" lang="en">Password expiring soon</loginSec:event>'
        '<loginSec:event type="stat" name="failedLogins" level="warning" value="100" '
        'duration="P1D">Excessive invalid daily logins</loginSec:event></loginSec:loginSecData>'
    ),
    "response poll changePoll": response(
        "<domain:infData><domain:name>alpha.example</domain:name>"
        "<domain:roid>D12_1-ICANNRST</domain:roid><domain:clID>registrar-7</domain:clID>"
        "</domain:infData>",
        '<changePoll:changeData state="after"><changePoll:operation op="purge">custom'
        "</changePoll:operation><changePoll:date>2026-01-02T03:04:05Z</changePoll:date>"
        "<changePoll:svTRID>SV-77-0002</changePoll:svTRID><changePoll:who>registry ops"
        '</changePoll:who><changePoll:caseId type="udrp">case-42</changePoll:caseId>'
        "<changePoll:reason>court order</changePoll:reason></changePoll:changeData>",
        code=1301,
        msgq='<msgQ count="3" id="443"><qDate>2026-01-02T03:04:06Z</qDate>'
        "<msg>Registry initiated update of domain.</msg></msgQ>",
    ),
    "response host infData": response(
        "<host:infData><host:name>ns1.alpha.example</host:name>"
        '<host:roid>H7_2-ICANNRST</host:roid><host:status s="linked"/>'
        '<host:addr ip="v4">192.0.2.2</host:addr><host:clID>registrar-7</host:clID>'
        "<host:crID>registrar-7</host:crID><host:crDate>2026-01-02T03:04:05Z</host:crDate>"
        "</host:infData>"
    ),
    "response contact trnData": response(
        "<contact:trnData><contact:id>reg-c1</contact:id>"
        "<contact:trStatus>pending</contact:trStatus><contact:reID>registrar-8</contact:reID>"
        "<contact:reDate>2026-01-02T03:04:05Z</contact:reDate>"
        "<contact:acID>registrar-7</contact:acID>"
        "<contact:acDate>2026-01-07T03:04:05Z</contact:acDate></contact:trnData>",
        code=1001,
    ),
    "response 2001 with extValue": epp(
        '<response><result code="2001"><msg lang="en">Command syntax error</msg>'
        "<extValue><value><domain:period>100</domain:period></value>"
        '<reason>period out of range</reason></extValue></result>'
        "<trID><svTRID>SV-77-0003</svTRID></trID></response>"
    ),
}

INVALID = {
    "period unit x": (
        command(
            "<create><domain:create><domain:name>a.example</domain:name>"
            f'<domain:period unit="x">1</domain:period>{AUTH}</domain:create></create>'
        ),
        "domain:period",
    ),
    "period 100 years": (
        command(
            "<create><domain:create><domain:name>a.example</domain:name>"
            f'<domain:period unit="y">100</domain:period>{AUTH}</domain:create></create>'
        ),
        "maxInclusive",
    ),
    "create without authInfo": (
        command("<create><domain:create><domain:name>a.example</domain:name>"
                "</domain:create></create>"),
        "domain:create",
    ),
    "unknown element in create": (
        command(
            "<create><domain:create><domain:name>a.example</domain:name><domain:colour/>"
            f"{AUTH}</domain:create></create>"
        ),
        "domain:colour",
    ),
    "unknown extension namespace": (
        command(
            "<check><domain:check><domain:name>a.example</domain:name></domain:check></check>",
            '<x:thing xmlns:x="urn:example:unserved-1.0"/>',
        ),
        "urn:example:unserved-1.0",
    ),
    "unknown object namespace": (
        command('<check><x:check xmlns:x="urn:example:object-1.0"/></check>'),
        "urn:example:object-1.0",
    ),
    "result code not in RFC 5730": (
        epp('<response><result code="2999"><msg>nope</msg></result>'
            "<trID><svTRID>SV-77-0004</svTRID></trID></response>"),
        "2999",
    ),
    "DS digest not hex": (
        command(
            "<create><domain:create><domain:name>a.example</domain:name>"
            f"{AUTH}</domain:create></create>",
            "<secDNS:create>" + DS.replace("49FD", "ZZFD", 1) + "</secDNS:create>",
        ),
        "secDNS:digest",
    ),
    "clTRID too short": (command("<logout/>", trid="ab"), "clTRID"),
    "login pw too short": (
        command(
            "<login><clID>registrar-7</clID><pw>short</pw><options><version>1.0</version>"
            "<lang>en</lang></options><svcs><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI>"
            "</svcs></login>"
        ),
        "pw",
    ),
    "launch phase unknown": (
        command(
            "<check><domain:check><domain:name>a.example</domain:name></domain:check></check>",
            "<launch:check><launch:phase>midnight</launch:phase></launch:check>",
        ),
        "launch:phase",
    ),
    "fee currency lower case": (
        command(
            "<check><domain:check><domain:name>a.example</domain:name></domain:check></check>",
            '<fee:check><fee:currency>usd</fee:currency><fee:command name="create"/>'
            "</fee:check>",
        ),
        "fee:currency",
    ),
    "contact without email": (
        command(
            "<create><contact:create><contact:id>reg-c1</contact:id>"
            '<contact:postalInfo type="loc"><contact:name>Ada</contact:name><contact:addr>'
            "<contact:city>Testville</contact:city><contact:cc>NZ</contact:cc></contact:addr>"
            "</contact:postalInfo><contact:authInfo><contact:pw>c0ntact!Pw</contact:pw>"
            "</contact:authInfo></contact:create></create>"
        ),
        "contact:authInfo",
    ),
    "two commands in one frame": (
        epp("<command><logout/><clTRID>PYRAR-1</clTRID></command><hello/>"),
        "hello",
    ),
    "signed mark without signature": (
        command(
            f"<create><domain:create><domain:name>w.example</domain:name>{AUTH}"
            "</domain:create></create>",
            '<launch:create><launch:phase>sunrise</launch:phase><smd:signedMark id="smd1">'
            '<smd:id>1-2</smd:id><smd:issuerInfo issuerID="65535"><smd:org>V</smd:org>'
            "<smd:email>v@example.net</smd:email></smd:issuerInfo>"
            "<smd:notBefore>2025-01-01T00:00:00Z</smd:notBefore>"
            f"<smd:notAfter>2027-01-01T00:00:00Z</smd:notAfter>{MARK}"
            "</smd:signedMark></launch:create>",
        ),
        "Expected is ( dsig:Signature )",
    ),
    "wrong root element": (b'<hello xmlns="urn:ietf:params:xml:ns:epp-1.0"/>', "hello"),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_frame_validates(validator, name: str) -> None:
    validator.validate(parse_frame(VALID[name]))


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_frame_is_rejected_with_a_reason(validator, name: str) -> None:
    frame, expected_in_reason = INVALID[name]
    with pytest.raises(SchemaInvalid) as caught:
        validator.validate(parse_frame(frame))
    reason = caught.value.reason
    assert reason.startswith("line ")
    assert expected_in_reason in reason
    assert "\n" not in reason and len(reason) <= 240
