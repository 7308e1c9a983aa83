"""secDNS-1.1, rgp-1.0 and fee-1.0 through the real backend."""

from __future__ import annotations

import base64

import pytest
from eppd_core_frames import create, fresh, info, update
from eppd_core_world import NS, OBJECTS, REPO, STRONG, core_world
from lxml import etree

DIGEST = "49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE" + "ab" * 12
PUB_KEY = base64.b64encode(bytes(range(64))).decode()


@pytest.fixture(scope="module")
def world(tmp_path_factory, pki, schema_check):
    with core_world(tmp_path_factory.mktemp("core-ext"), pki, schema_check) as w:
        yield w


def ds(key_tag: int = 12345, alg: int = 13, digest_type: int = 2, digest: str = DIGEST) -> str:
    return (f"<s:dsData><s:keyTag>{key_tag}</s:keyTag><s:alg>{alg}</s:alg>"
            f"<s:digestType>{digest_type}</s:digestType><s:digest>{digest}</s:digest>"
            "</s:dsData>")


def key(flags: int = 257, protocol: int = 3, alg: int = 13, pub: str = PUB_KEY) -> str:
    return (f"<s:keyData><s:flags>{flags}</s:flags><s:protocol>{protocol}</s:protocol>"
            f"<s:alg>{alg}</s:alg><s:pubKey>{pub}</s:pubKey></s:keyData>")


def dnssec_of(epp, name):
    got = info(epp, name)
    assert got.code == 1000
    data = got.ext("s:infData")
    if data is None:
        return None
    return ([(d.findtext("s:keyTag", namespaces=NS), d.findtext("s:digest", namespaces=NS))
             for d in data.findall("s:dsData", NS)],
            [k.findtext("s:flags", namespaces=NS) for k in data.findall("s:keyData", NS)],
            data.findtext("s:maxSigLife", namespaces=NS))


# secDNS


def test_create_with_ds_data_shows_in_info(world, reg1):
    name = fresh()
    assert create(reg1, name, extension=f"<s:create>{ds()}</s:create>").code == 1000
    assert dnssec_of(reg1, name) == ([("12345", DIGEST.upper())], [], None)


def test_create_with_key_data_and_max_sig_life_where_policy_allows(world, reg1):
    name = fresh("dnssec")
    ext = f"<s:create><s:maxSigLife>604800</s:maxSigLife>{key()}</s:create>"
    assert create(reg1, name, extension=ext).code == 1000
    assert dnssec_of(reg1, name) == ([], ["257"], "604800")
    refused = create(reg1, fresh(), extension=ext)  # .example does not take maxSigLife
    assert refused.code == 2102


@pytest.mark.parametrize(("record", "code"), [
    (ds(digest_type=1, digest="AB" * 20), 2306),  # SHA-1 refused (RST dnssec-92)
    (ds(alg=5), 2306),  # RSA/SHA-1 refused
    (ds(digest="AB" * 10), 2306),  # wrong length for SHA-256
    (key(flags=255), 2306),
    (key(protocol=4), 2306),
    (key(pub=base64.b64encode(b"short").decode()), 2306),
    (ds() + ds(key_tag=1), 1000),
])
def test_dnssec_values_are_checked(world, reg1, record, code):
    assert create(reg1, fresh(), extension=f"<s:create>{record}</s:create>").code == code


def test_ds_and_key_data_cannot_be_mixed(world, reg1):
    name = fresh()
    assert create(reg1, name, extension=f"<s:create>{ds()}</s:create>").code == 1000
    mixed = update(reg1, name,
                   extension=f"<s:update><s:add>{key()}</s:add></s:update>")
    assert mixed.code == 2306


def test_update_add_rem_and_rem_all(world, reg1):
    name = fresh()
    assert create(reg1, name).code == 1000
    assert dnssec_of(reg1, name) is None
    assert update(reg1, name, extension=f"<s:update><s:add>{ds()}{ds(key_tag=2)}</s:add>"
                  "</s:update>").code == 1000
    assert [t for t, _ in dnssec_of(reg1, name)[0]] == ["12345", "2"]
    assert update(reg1, name, extension=f"<s:update><s:rem>{ds()}</s:rem></s:update>"
                  ).code == 1000
    assert [t for t, _ in dnssec_of(reg1, name)[0]] == ["2"]
    absent = update(reg1, name, extension=f"<s:update><s:rem>{ds()}</s:rem></s:update>")
    assert absent.code == 2306  # removing what is not there fails (RST epp-16)
    assert update(reg1, name, extension=f"<s:update><s:add>{ds(key_tag=2)}</s:add>"
                  "</s:update>").code == 2306
    assert update(reg1, name, extension="<s:update><s:rem><s:all>true</s:all></s:rem>"
                  f"<s:add>{ds(key_tag=7)}</s:add></s:update>").code == 1000
    assert [t for t, _ in dnssec_of(reg1, name)[0]] == ["7"]
    assert update(reg1, name, extension="<s:update><s:rem><s:all>true</s:all></s:rem>"
                  "</s:update>").code == 1000
    assert dnssec_of(reg1, name) is None


def test_update_chg_max_sig_life_and_urgent(world, reg1):
    name = fresh("dnssec")
    assert create(reg1, name, extension=f"<s:create>{ds()}</s:create>").code == 1000
    assert update(reg1, name, extension="<s:update><s:chg><s:maxSigLife>86400</s:maxSigLife>"
                  "</s:chg></s:update>").code == 1000
    assert dnssec_of(reg1, name)[2] == "86400"
    urgent = update(reg1, name, extension=f'<s:update urgent="true"><s:add>{ds(key_tag=3)}'
                    "</s:add></s:update>")
    assert urgent.code == 2102
    other = fresh()
    assert create(reg1, other).code == 1000
    assert update(reg1, other, extension="<s:update><s:chg><s:maxSigLife>86400"
                  "</s:maxSigLife></s:chg></s:update>").code == 2102


def test_no_secdns_data_for_a_client_that_did_not_ask_for_it(world, reg1):
    name = fresh()
    assert create(reg1, name, extension=f"<s:create>{ds()}</s:create>").code == 1000
    with world.session("reg1", extensions=()) as plain:
        got = info(plain, name)
        assert got.code == 1000
        assert got.find("e:response/e:extension") is None
        assert got.find("e:response/e:result/e:extValue") is None


# rgp


def _in_redemption(world, reg1) -> str:
    name = fresh()
    assert create(reg1, name).code == 1000
    world.end_grace_periods(name)
    assert reg1.command(f"<delete><d:delete><d:name>{name}</d:name></d:delete></delete>"
                        ).code == 1001
    return name


REPORT = ("<r:report><r:preData>Pre-delete registration data</r:preData>"
          "<r:postData>Post-restore registration data</r:postData>"
          "<r:delTime>2026-01-01T22:00:00.0Z</r:delTime>"
          "<r:resTime>2026-01-02T22:00:00.0Z</r:resTime>"
          "<r:resReason>Registrant error.</r:resReason>"
          "<r:statement>This registrar has not restored the Registered Name in order to "
          "assume the rights to use or sell the Registered Name for itself or for any third "
          "party.</r:statement><r:statement>The information in this report is true to best "
          "of this registrar's knowledge.</r:statement></r:report>")


def _rgp(epp, name):
    return [s.get("s") for s in info(epp, name).findall(
        "e:response/e:extension/r:infData/r:rgpStatus")]


def test_restore_request_then_report(world, reg1):
    name = _in_redemption(world, reg1)
    assert _rgp(reg1, name) == ["redemptionPeriod"]
    before = world.registrar("reg1").balance
    requested = update(reg1, name, extension='<r:update><r:restore op="request"/></r:update>')
    assert requested.code == 1000
    assert [s.get("s") for s in requested.findall(
        "e:response/e:extension/r:upData/r:rgpStatus")] == ["pendingRestore"]
    fee = requested.ext("f:updData")
    assert fee.findtext("f:fee", namespaces=NS) == "50.00"
    assert world.registrar("reg1").balance == before - 5000
    assert _rgp(reg1, name) == ["pendingRestore"]
    reported = update(reg1, name, extension=f'<r:update><r:restore op="report">{REPORT}'
                      "</r:restore></r:update>")
    assert reported.code == 1000
    assert _rgp(reg1, name) == []
    statuses = [s.get("s") for s in info(reg1, name).res("d:infData").findall("d:status", NS)]
    assert "pendingDelete" not in statuses


def test_restore_errors(world, reg1):
    active = fresh()
    assert create(reg1, active).code == 1000
    assert update(reg1, active, extension='<r:update><r:restore op="request"/></r:update>'
                  ).code == 2304
    assert update(reg1, active, extension=f'<r:update><r:restore op="report">{REPORT}'
                  "</r:restore></r:update>").code == 2304
    name = _in_redemption(world, reg1)
    combined = update(reg1, name, add='<d:status s="clientHold"/>',
                      extension='<r:update><r:restore op="request"/></r:update>')
    assert combined.code == 2002
    cheap = update(reg1, name, extension='<r:update><r:restore op="request"/></r:update>'
                   "<f:update><f:currency>USD</f:currency><f:fee>1.00</f:fee></f:update>")
    assert cheap.code == 2004
    with world.session("reg2") as other:
        assert update(other, name, extension='<r:update><r:restore op="request"/>'
                      "</r:update>").code == 2201


# fee


def fee_check(epp, *names, commands=("create",), currency="", period=None):
    period_xml = f'<f:period unit="y">{period}</f:period>' if period else ""
    periodic = ("create", "renew", "transfer")
    cmds = "".join(f'<f:command name="{c}">{period_xml if c in periodic else ""}</f:command>'
                   for c in commands)
    cur = f"<f:currency>{currency}</f:currency>" if currency else ""
    body = "".join(f"<d:name>{n}</d:name>" for n in names)
    return epp.command(f"<check><d:check>{body}</d:check></check>",
                       f"<f:check>{cur}{cmds}</f:check>")


def test_fee_check_for_every_command_with_periods(world, reg1):
    name = fresh()
    reply = fee_check(reg1, name, "gold.example", commands=(
        "create", "renew", "transfer", "restore", "update"), period=2)
    assert reply.code == 1000
    chk = reply.ext("f:chkData")
    assert chk.findtext("f:currency", namespaces=NS) == "USD"
    standard, premium = chk.findall("f:cd", NS)
    fees = {c.get("name"): (c.findtext("f:period", namespaces=NS),
                            c.findtext("f:fee", namespaces=NS))
            for c in standard.findall("f:command", NS)}
    assert fees == {"create": ("2", "20.00"), "renew": ("2", "20.00"),
                    "transfer": ("2", "16.00"), "restore": (None, "50.00"),
                    "update": (None, "0.00")}
    assert standard.findtext("f:class", namespaces=NS) == "standard"
    assert premium.findtext("f:class", namespaces=NS) == "gold"
    create_fee = premium.find("f:command[@name='create']", NS)
    assert create_fee.get("standard") == "0"
    assert create_fee.findtext("f:fee", namespaces=NS) == "2000.00"


def test_fee_check_reasons(world, reg1):
    reply = fee_check(reg1, "x.notours", fresh(), commands=("create", "delete"), period=11)
    cds = reply.ext("f:chkData").findall("f:cd", NS)
    assert cds[0].get("avail") == "0" and cds[0].findtext("f:reason", namespaces=NS)
    assert cds[1].get("avail") == "0"  # no command could be priced
    assert all(c.findtext("f:reason", namespaces=NS) for c in cds[1].findall("f:command", NS))
    assert fee_check(reg1, fresh(), currency="EUR").code == 2306


def test_fee_on_transforms_and_a_fee_below_the_price(world, reg1):
    low = create(reg1, fresh(), extension="<f:create><f:fee>9.99</f:fee></f:create>")
    assert low.code == 2004
    name = fresh()
    created = create(reg1, name, extension="<f:create><f:currency>USD</f:currency>"
                     "<f:fee>10.00</f:fee></f:create>")
    assert created.code == 1000
    data = created.ext("f:creData")
    assert data.findtext("f:fee", namespaces=NS) == "10.00"
    assert data.find("f:fee", NS).get("grace-period") == "P5D"
    balance = world.registrar("reg1").balance
    assert data.findtext("f:balance", namespaces=NS) == f"{balance / 100:.2f}"
    assert data.findtext("f:creditLimit", namespaces=NS) == "0.00"
    ex = created.text("e:response/e:resData/d:creData/d:exDate")[:10]
    renewed = reg1.command(f"<renew><d:renew><d:name>{name}</d:name><d:curExpDate>{ex}"
                           "</d:curExpDate></d:renew></renew>",
                           "<f:renew><f:fee>10.00</f:fee></f:renew>")
    assert renewed.code == 1000
    assert renewed.ext("f:renData").findtext("f:fee", namespaces=NS) == "10.00"
    deleted = reg1.command(f"<delete><d:delete><d:name>{name}</d:name></d:delete></delete>")
    assert deleted.code == 1000  # in add grace: gone, both payments refunded
    credits = [c.text for c in deleted.ext("f:delData").findall("f:credit", NS)]
    assert sorted(credits) == ["-10.00", "-10.00"]
    assert create(reg1, "gold.example").code == 2004  # premium needs the fee acknowledged
    assert create(reg1, fresh(), extension="<f:create><f:currency>EUR</f:currency>"
                  "<f:fee>10.00</f:fee></f:create>").code == 2306


def test_transfer_request_reports_its_fee(world, reg1):
    name = fresh()
    assert create(reg1, name).code == 1000
    with world.session("reg2") as reg2:
        reply = reg2.command(
            f'<transfer op="request"><d:transfer><d:name>{name}</d:name>'
            f"<d:authInfo><d:pw>{STRONG}</d:pw></d:authInfo></d:transfer></transfer>",
            "<f:transfer><f:fee>8.00</f:fee></f:transfer>")
        assert reply.code == 1001
        assert reply.ext("f:trnData").findtext("f:fee", namespaces=NS) == "8.00"


# --- balance-1.0 (Verisign) ---------------------------------------------------------------

BALANCE_INFO = "<info><b:info/></info>"


def test_balance_info_shows_the_registrars_account(world):
    registrar = world.registrar("reg2")

    def setup(ctx):
        row = ctx.session.get(type(registrar), registrar.id)
        row.credit_limit, row.low_balance_threshold = 50_000, 2_500
    world.registry.run(setup)
    account = world.registrar("reg2")
    with world.session("reg2", objects=(*OBJECTS, NS["b"])) as epp:
        reply = epp.command(BALANCE_INFO)
    assert reply.code == 1000, reply
    data = reply.res("b:infData")
    amounts = {e.tag.split("}")[1]: e.text for e in data.iter() if e.text and len(e) == 0}
    assert amounts == {"creditLimit": "500.00", "balance": f"{account.balance / 100:.2f}",
                       "availableCredit": f"{(account.balance + 50_000) / 100:.2f}",
                       "fixed": "25.00"}
    official = REPO.parent / "shared" / "reference" / "epp" / "xsd" / "extra" / \
        "balance-1.0.xsd"
    if official.is_file():  # the vendor's own schema agrees with ours on our answer
        assert etree.XMLSchema(etree.parse(str(official))).validate(data)


def test_balance_info_in_a_three_decimal_currency(world):
    """KWD has three decimals: amounts are written with them, not rounded to two."""
    registrar = world.registrar("reg2")

    def set_account(currency, balance, limit, threshold):
        def work(ctx):
            row = ctx.session.get(type(registrar), registrar.id)
            row.currency, row.balance = currency, balance
            row.credit_limit, row.low_balance_threshold = limit, threshold
        world.registry.run(work)

    set_account("KWD", 1_234_567, 500_005, 2_500)
    try:
        with world.session("reg2", objects=(*OBJECTS, NS["b"])) as epp:
            reply = epp.command(BALANCE_INFO)
    finally:
        set_account(registrar.currency, registrar.balance, registrar.credit_limit,
                    registrar.low_balance_threshold)
    assert reply.code == 1000, reply
    data = reply.res("b:infData")
    amounts = {e.tag.split("}")[1]: e.text for e in data.iter() if e.text and len(e) == 0}
    assert amounts == {"creditLimit": "500.005", "balance": "1234.567",
                       "availableCredit": "1734.572", "fixed": "2.500"}


def test_balance_info_needs_the_mapping_named_at_login(reg1):
    reply = reg1.command(BALANCE_INFO)
    assert reply.code == 2002 and "balance-1.0" in reply.msg
