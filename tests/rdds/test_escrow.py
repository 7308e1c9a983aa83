"""Escrow deposits (RFC 8909/9022): made from the registry, encrypted to a test agent key and
signed by the registry's, then checked as the agent would, and the XML validated against the
RDE schemas in ../shared/reference/rde (skipped, saying so, when absent)."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from eppd.core_backend import CoreBackend
from eppd.responses import greeting as eppd_greeting
from escrow.config import EscrowSettings
from escrow.deposit import EscrowError, make_deposit
from escrow.deposit_xml import NS
from escrow.openpgp import Gpg
from escrow.parts import siblings
from escrow.schedule import due
from escrow.verify import rde_schema, verify_files, verify_xml
from registry.admin.idn_tables import (
    idn_tables_of,
    load_idn_table,
    remove_idn_table,
    set_idn_table_urls,
)
from registry.admin.tlds import add_reserved
from registry.flows.domain_delete import DomainDelete
from registry.flows.domain_update import DomainUpdate
from tests.core.objects import domain_info, make_domain
from tests.core.test_idn import GREEK, lgr
from tests.core.world import START
from tests.rdds.rdap_schemas import REFERENCE as RDAP_REFERENCE

REFERENCE = RDAP_REFERENCE.parents[1]
RDE_XSD, EPP_XSD = REFERENCE / "rde" / "xsd", REFERENCE / "epp" / "xsd"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """The registry's GnuPG home (its signing key, the agent's public key) and the agent's
    (its secret key, the registry's public key)."""
    root = tmp_path_factory.mktemp("gpg")
    registry, agent = Gpg(root / "registry"), Gpg(root / "agent")
    signing = registry.generate("PyRar test registry <registry@test.invalid>",
                                encryption=False)
    agent_key = agent.generate("Test escrow agent <agent@test.invalid>", encryption=True)
    registry.import_keys(agent.export(agent_key))
    agent.import_keys(registry.export(signing))
    yield registry, agent, EscrowSettings(agent_key=agent_key, signing_key=signing)
    registry.close()
    agent.close()


@pytest.fixture(scope="module")
def schema():
    if not (RDE_XSD / "rde.xsd").is_file() or not (EPP_XSD / "domain-1.0.xsd").is_file():
        pytest.skip(f"the RDE and EPP schemas are not at {REFERENCE} (../shared/reference): "
                    "deposits not validated")
    return rde_schema(RDE_XSD, EPP_XSD)


def decrypt(agent: Gpg, ryde: Path, tmp_path: Path) -> bytes:
    agent.decrypt(ryde, tmp_path / "out.tar")
    with tarfile.open(tmp_path / "out.tar") as tar:
        [member] = tar.getmembers()
        assert member.name == ryde.name.replace(".ryde", ".xml")
        return tar.extractfile(member).read()


def counts(document: etree._Element) -> dict[str, int]:
    return {c.get("uri").split(":")[-1]: int(c.text)
            for c in document.iterfind(".//{*}header/{*}count")}


def test_full_and_differential_deposits(registered, keys, schema, tmp_path):
    registry_gpg, agent, settings = keys
    world = registered.world
    out = tmp_path / "deposits"
    full = make_deposit(world.registry, settings, registry_gpg, "example", "full", out)
    assert [p.name for p in full.files] == [
        "example_2026-01-15_full_S1_R0.ryde", "example_2026-01-15_full_S1_R0.sig",
        "example_2026-01-15_full_S1_R0.rep"]
    document = etree.fromstring(decrypt(agent, full.files[0], tmp_path))
    schema.assertValid(document)  # the whole document, envelope included
    assert document.get("type") == "FULL"
    # example: glue, other, bücher and the bulk names; the hosts they use; their contacts
    assert counts(document) == {"rdeDomain-1.0": 3 + 14, "rdeHost-1.0": 2,
                                "rdeContact-1.0": 2, "rdeRegistrar-1.0": 2, "rdeIDN-1.0": 0,
                                "rdeNNDN-1.0": 2, "rdeEppParams-1.0": 1}
    menu = [e.text for e in document.iterfind("{*}rdeMenu/{*}objURI")]
    assert NS["rdeNNDN"] in menu and NS["rdeEppParams"] in menu
    reserved = {e.findtext("{*}aName"): e for e in document.iterfind(".//{*}NNDN")}
    assert set(reserved) == {"nic.example", "xn--bcher-shop-9db.example"}
    assert reserved["xn--bcher-shop-9db.example"].findtext("{*}uName") == "bücher-shop.example"
    assert reserved["nic.example"].findtext("{*}nameState") == "withheld"
    # the EPP parameters are what eppd's greeting offers
    [params] = document.iterfind(f".//{{{NS['rdeEppParams']}}}eppParams")
    greeting = etree.fromstring(eppd_greeting("test", START, CoreBackend.service_menu))
    menu = greeting.find("{*}greeting/{*}svcMenu")
    for tag in ("version", "lang", "objURI"):
        assert [e.text for e in params.iterfind(f"{{*}}{tag}")] == \
            [e.text for e in menu.iterfind(f"{{*}}{tag}")]
    assert [e.text for e in params.iterfind("{*}svcExtension/{*}extURI")] == \
        [e.text for e in menu.iterfind("{*}svcExtension/{*}extURI")]
    def policy(dcp):
        return [etree.QName(e).localname for e in dcp.iter()]
    assert policy(params.find("{*}dcp")) == policy(greeting.find("{*}greeting/{*}dcp"))
    assert params.find("{*}dcp/{*}access/{*}all") is not None
    names = {e.text for e in document.iterfind(".//{*}domain/{*}name")}
    assert {"glue.example", "xn--bcher-kva.example"} <= names and "shop.cc" not in names
    glue = next(e for e in document.iterfind(f".//{{{NS['rdeDomain']}}}domain")
                if e.findtext("{*}name") == "glue.example")
    assert glue.findtext(".//{*}dsData/{*}keyTag") == "12345"
    assert etree.fromstring(full.files[2].read_bytes()).findtext("{*}kind") == "FULL"
    schema.assertValid(etree.fromstring(full.files[2].read_bytes()))
    verdict = verify_files([full.files[:2]], agent, schema)
    assert verdict.ok, verdict.problems
    assert verdict.counts[NS["rdeDomain"]] == 17

    # a day later: one domain changed, one deleted in its add grace period (purged at once)
    world.clock.advance(days=1)
    world.run(DomainUpdate("other.example", add_statuses=("clientHold",)), registered.alice)
    world.run(DomainDelete("bulk13.example"), registered.alice)
    world.task(lambda ctx: add_reserved(ctx, "example", "whois"))
    diff = make_deposit(world.registry, settings, registry_gpg, "example", "diff", out)
    document = etree.fromstring(decrypt(agent, diff.files[0], tmp_path))
    schema.assertValid(document)
    assert document.get("type") == "DIFF" and document.get("prevId") == full.deposit_id
    assert [e.text for e in document.iterfind(".//{*}domain/{*}name")] == ["other.example"]
    assert [e.text for e in document.iterfind(f".//{{{NS['rdeDomain']}}}delete/{{*}}name")
            ] == ["bulk13.example"]
    assert counts(document)["rdeDomain-1.0"] == 1
    assert [e.text for e in document.iterfind(".//{*}NNDN/{*}aName")] == ["whois.example"]
    assert counts(document)["rdeNNDN-1.0"] == 1 and counts(document)["rdeEppParams-1.0"] == 1
    assert verify_files([diff.files[:2]], agent, schema).ok


def test_agent_catches_tampering_and_bad_counts(registered, keys, schema, tmp_path):
    registry_gpg, agent, settings = keys
    deposit = make_deposit(registered.world.registry, settings, registry_gpg, "cc", "full",
                           tmp_path)
    ryde, sig = deposit.files[:2]
    tampered = tmp_path / "tampered.ryde"
    data = bytearray(ryde.read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered.write_bytes(bytes(data))
    verdict = verify_files([(tampered, sig)], agent, schema)
    assert not verdict.ok and verdict.problems[0].startswith("signature:")
    # a header that lies about its counts; a domain whose sponsor was left out
    xml = decrypt(agent, ryde, tmp_path)
    verdict = verify_xml(io.BytesIO(xml.replace(b'rdeDomain-1.0">1<', b'rdeDomain-1.0">7<')),
                         schema)
    assert verdict.problems == ["header counts 7 rdeDomain objects, the deposit holds 1"]
    document = etree.fromstring(xml)
    for registrar in document.iterfind(f".//{{{NS['rdeRegistrar']}}}registrar"):
        registrar.getparent().remove(registrar)
    document.find(f".//{{{NS['rdeHeader']}}}count[@uri='{NS['rdeRegistrar']}']").text = "0"
    verdict = verify_xml(io.BytesIO(etree.tostring(document)), schema)
    assert verdict.problems == ["registrar alice is referred to but not deposited"]
    # the EPP parameters left out of a full deposit (the header agreeing)
    document = etree.fromstring(xml)
    params = document.find(f".//{{{NS['rdeEppParams']}}}eppParams")
    params.getparent().remove(params)
    document.find(f".//{{{NS['rdeHeader']}}}count[@uri='{NS['rdeEppParams']}']").text = "0"
    verdict = verify_xml(io.BytesIO(etree.tostring(document)), schema)
    assert verdict.problems == ["a full deposit holds one rdeEppParams object, not 0"]
    # a reserved name that breaks the schema
    document = etree.fromstring(xml)
    document.find(".//{*}NNDN/{*}nameState").text = "forgotten"
    verdict = verify_xml(io.BytesIO(etree.tostring(document)), schema)
    assert len(verdict.problems) == 1 and verdict.problems[0].startswith("NNDN ")


def test_large_deposits_are_split_into_signed_parts(registered, keys, schema, tmp_path):
    registry_gpg, agent, settings = keys
    split = dataclasses.replace(settings, split_bytes=800)
    day = f"{registered.world.clock.now():%Y-%m-%d}"  # the module's clock moves
    deposit = make_deposit(registered.world.registry, split, registry_gpg, "example", "full",
                           tmp_path)
    rydes = [p for p in deposit.files if p.suffix == ".ryde"]
    assert len(rydes) >= 3 and all(p.stat().st_size <= 800 for p in rydes)
    assert [p.name for p in rydes] == [f"example_{day}_full_S{n}_R0.ryde"
                                       for n in range(1, len(rydes) + 1)]
    assert [p.name for p in deposit.files if p.suffix == ".sig"] == [
        p.name.replace(".ryde", ".sig") for p in rydes]
    assert deposit.files[-1].name == f"example_{day}_full_S1_R0.rep"
    assert siblings(rydes[1]) == rydes  # any part stands for the deposit
    parts = [(p, p.with_suffix(".sig")) for p in rydes]
    verdict = verify_files(parts, agent, schema)
    assert verdict.ok, verdict.problems
    assert verdict.counts == deposit.counts and verdict.counts[NS["rdeDomain"]] > 10
    # a part missing: the rest does not decrypt; parts out of order: the same
    assert verify_files(parts[:-1], agent, schema).problems[0].startswith("decryption:")
    assert not verify_files([parts[1], parts[0], *parts[2:]], agent, schema).ok
    # a part's signature that is another part's
    verdict = verify_files([(rydes[0], parts[1][1]), *parts[1:]], agent, schema)
    assert verdict.problems[0].startswith(f"signature of {rydes[0].name}:")
    # a deposit under the limit is one part, as before
    whole = make_deposit(registered.world.registry, dataclasses.replace(
        settings, split_bytes=10_000_000), registry_gpg, "example", "full", tmp_path)
    assert [p.name for p in whole.files] == [
        f"example_{day}_full_S1_R1.ryde", f"example_{day}_full_S1_R1.sig",
        f"example_{day}_full_S1_R1.rep"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


LATIN = lgr("und-Latn", '<range first-cp="0061" last-cp="007A"/><char cp="00FC"/>')


def test_idn_tables_are_deposited_and_referred_to(registered, keys, schema, tmp_path):
    """rdeIDN objects with each table's URLs (its own, else the configured templates'),
    each IDN domain's idnTableId naming the table its label is from."""
    registry_gpg, agent, settings = keys
    world = registered.world
    templated = dataclasses.replace(
        settings, idn_table_url="https://nic.test/idn/{tld}/{tag}-{version}.xml",
        idn_policy_url="https://nic.test/idn/policy")
    out = tmp_path / "deposits"
    world.task(lambda ctx: [load_idn_table(ctx, "example", t) for t in (LATIN, GREEK)])
    try:
        with pytest.raises(EscrowError, match=r"und-Grek, und-Latn of \.example have no "
                           r"published URL.*idn-table set example TAG"):
            make_deposit(world.registry, settings, registry_gpg, "example", "full", out)
        world.task(lambda ctx: set_idn_table_urls(
            ctx, "example", "und-Latn", "https://www.iana.org/domains/idn-tables/latn.txt",
            "https://nic.test/latin-policy"))
        full = make_deposit(world.registry, templated, registry_gpg, "example", "full", out)
        document = etree.fromstring(decrypt(agent, full.files[0], tmp_path))
        schema.assertValid(document)
        refs = {e.get("id"): (e.findtext("{*}url"), e.findtext("{*}urlPolicy"))
                for e in document.iterfind(f".//{{{NS['rdeIDN']}}}idnTableRef")}
        assert refs == {
            "und-Latn": ("https://www.iana.org/domains/idn-tables/latn.txt",
                         "https://nic.test/latin-policy"),
            "und-Grek": ("https://nic.test/idn/example/und-Grek-1.xml",
                         "https://nic.test/idn/policy")}
        assert counts(document)["rdeIDN-1.0"] == 2
        assert NS["rdeIDN"] in [e.text for e in document.iterfind("{*}rdeMenu/{*}objURI")]
        tables = {e.findtext("{*}name"): e.findtext("{*}idnTableId")
                  for e in document.iterfind(f".//{{{NS['rdeDomain']}}}domain")}
        assert tables["xn--bcher-kva.example"] == "und-Latn"
        assert tables["glue.example"] is None  # ASCII names refer to no table
        assert verify_files([full.files[:2]], agent, schema).ok
        # the agent catches a domain referring to a table the deposit lacks
        xml = etree.tostring(document)
        broken = xml.replace(b"<rdeDomain:idnTableId>und-Latn<", b"<rdeDomain:idnTableId>x<")
        assert verify_xml(io.BytesIO(broken), schema).problems == [
            "IDN table x is referred to but not deposited"]
        # a table removed: the next differential deposit deletes it
        world.clock.advance(days=1)
        world.task(lambda ctx: remove_idn_table(ctx, "example", "und-Grek"))
        diff = make_deposit(world.registry, templated, registry_gpg, "example", "diff", out)
        document = etree.fromstring(decrypt(agent, diff.files[0], tmp_path))
        schema.assertValid(document)
        assert [e.text for e in document.iterfind(
            f"{{*}}deletes/{{{NS['rdeIDN']}}}delete/{{*}}id")] == ["und-Grek"]
        assert [e.get("id") for e in document.iterfind(
            f".//{{{NS['rdeIDN']}}}idnTableRef")] == ["und-Latn"]
        assert verify_files([diff.files[:2]], agent, schema).ok
    finally:
        world.task(lambda ctx: [remove_idn_table(ctx, "example", tag)
                                for tag in ("und-Latn", "und-Grek")
                                if tag in {t.tag for t in idn_tables_of(ctx, "example")}])


FRENCH = lgr("fr", '<range first-cp="0061" last-cp="007A"/><char cp="00E7"/><char cp="00E9"/>'
             '<char cp="00FC"/>')


def test_idn_table_id_is_the_table_the_name_was_registered_under(registered, keys, schema,
                                                                   tmp_path):
    """RFC 9022 idnTableId: the table kept with the domain at create (idn-1.0's choice,
    else the registry's), not one derived again from the TLD's tables at deposit time:
    both tables hold "zürich", the registry's choice is "fr" (first in tag order), the
    client's "und-Latn"."""
    from registry.values import IdnChoice

    registry_gpg, agent, settings = keys
    world, alice = registered.world, registered.alice
    templated = dataclasses.replace(
        settings, idn_table_url="https://nic.test/idn/{tld}/{tag}-{version}.xml",
        idn_policy_url="https://nic.test/idn/policy")
    thick = {"registrant": "jane", "contacts": (("admin", "jane"), ("tech", "tom"))}
    world.task(lambda ctx: [load_idn_table(ctx, "example", t) for t in (LATIN, FRENCH)])
    chosen, selected = "z\u00fcrich.example", "z\u00fcri.example"
    try:
        make_domain(world, alice, chosen, idn=IdnChoice("und-latn"), **thick)
        make_domain(world, alice, selected, **thick)
        assert domain_info(world, chosen).idn_table == "und-Latn"
        assert domain_info(world, selected).idn_table == "fr"
        assert domain_info(world, "glue.example").idn_table is None
        out = tmp_path / "deposits"
        full = make_deposit(world.registry, templated, registry_gpg, "example", "full", out)
        document = etree.fromstring(decrypt(agent, full.files[0], tmp_path))
        schema.assertValid(document)
        tables = {e.findtext("{*}name"): e.findtext("{*}idnTableId")
                  for e in document.iterfind(f".//{{{NS['rdeDomain']}}}domain")}
        assert tables[chosen.encode("idna").decode()] == "und-Latn"
        assert tables[selected.encode("idna").decode()] == "fr"
        # bücher.example was registered before the TLD had tables: derived (first in order)
        assert tables["xn--bcher-kva.example"] == "fr"
        assert {e.get("id") for e in document.iterfind(
            f".//{{{NS['rdeIDN']}}}idnTableRef")} == {"fr", "und-Latn"}
        verdict = verify_files([full.files[:2]], agent, schema)
        assert verdict.ok, verdict.problems
        # the chosen table removed: the deposit refers to one it still holds
        world.clock.advance(days=1)
        world.task(lambda ctx: remove_idn_table(ctx, "example", "und-Latn"))
        full = make_deposit(world.registry, templated, registry_gpg, "example", "full",
                            tmp_path / "again")
        document = etree.fromstring(decrypt(agent, full.files[0], tmp_path))
        schema.assertValid(document)
        tables = {e.findtext("{*}name"): e.findtext("{*}idnTableId")
                  for e in document.iterfind(f".//{{{NS['rdeDomain']}}}domain")}
        assert tables[chosen.encode("idna").decode()] == "fr"
        assert verify_files([full.files[:2]], agent, schema).ok
    finally:
        for name in (chosen, selected):
            world.run(DomainDelete(name), alice)  # in its add grace period: purged at once
        world.task(lambda ctx: [remove_idn_table(ctx, "example", tag)
                                for tag in ("und-Latn", "fr")
                                if tag in {t.tag for t in idn_tables_of(ctx, "example")}])


def test_refusals(registered, keys, tmp_path):
    registry_gpg, _, settings = keys
    with pytest.raises(EscrowError, match="make a full one first"):
        make_deposit(registered.world.registry, settings, registry_gpg, "min", "diff",
                     tmp_path)
    with pytest.raises(EscrowError, match="does not exist"):
        make_deposit(registered.world.registry, settings, registry_gpg, "nope", "full",
                     tmp_path)
    with pytest.raises(EscrowError, match="agent_key and signing_key"):
        make_deposit(registered.world.registry, EscrowSettings(), registry_gpg, "cc", "full",
                     tmp_path)


def test_schedule_full_weekly_diff_daily():
    settings = EscrowSettings(full_weekday=6, hour=2)
    sunday = datetime(2026, 1, 18, 3, 0, tzinfo=UTC)
    assert due(sunday, None, settings) == "full"
    assert due(sunday, sunday - timedelta(days=1), settings) == "full"
    assert due(sunday + timedelta(days=1), sunday, settings) == "diff"
    assert due(sunday, sunday - timedelta(hours=1), settings) is None  # today's is made
    assert due(sunday.replace(hour=1), sunday - timedelta(days=1), settings) is None
    assert due(datetime(2026, 1, 19, 3, tzinfo=UTC), None, settings) == "full"


def test_gpg_is_debians(keys):
    version = subprocess.run(["gpg", "--version"], capture_output=True, text=True).stdout
    assert version.startswith("gpg (GnuPG) 2.")
