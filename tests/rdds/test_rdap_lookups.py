"""RDAP lookups over HTTP: every answer valid against ICANN's RDAP JSON schemas, and the
gTLD Response Profile's rules the schemas cannot express."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from registry.flows.host_delete import HostDelete
from registry.flows.host_update import HostUpdate
from registry.registration_data import hosts_at_address
from registry.values import HostAddress
from tests.core.objects import make_host
from tests.rdds.rdap_schemas import validate
from tests.rdds.rdds_world import BULK, SEARCH_LIMIT

GTLD = ["rdap_level_0", "icann_rdap_response_profile_1",
        "icann_rdap_technical_implementation_guide_1"]


def lookup(server, path: str, schema: str | None, status: int = 200) -> dict:
    code, headers, body = server.get(path)
    assert code == status, body
    assert headers["Content-Type"] == "application/rdap+json"
    assert headers["Access-Control-Allow-Origin"] == "*"
    if schema:
        validate(body, schema)
    return body


def search(server, path: str, member: str, schema: str) -> dict:
    """The schemas have no domain or entity search (rdap_entities.json is an entities
    array): each result is checked as its object, the rest of the answer (conformance,
    notices) as help is."""
    body = lookup(server, path, None)
    for result in body[member]:
        validate(result, schema)
    validate({k: v for k, v in body.items() if k != member}, "rdap_help.json")
    return body


def domain_search(server, path: str) -> dict:
    return search(server, path, "domainSearchResults", "rdap_domain.json")


def entity(body: dict, role: str) -> dict:
    return next(e for e in body["entities"] if role in e["roles"])


def card(entity: dict) -> dict[str, list]:
    return {p[0]: p for p in entity["vcardArray"][1]}


def test_gtld_domain_follows_the_response_profile(server):
    body = lookup(server, "domain/glue.example", "rdap_domain.json")
    assert body["rdapConformance"] == [*GTLD, "redacted"]
    assert body["ldhName"] == "glue.example" and "unicodeName" not in body
    assert body["handle"].startswith("D") and body["handle"].endswith("-PYRAR")
    assert body["status"] == ["active", "add period"]
    actions = [e["eventAction"] for e in body["events"]]
    assert actions == ["registration", "expiration", "last update of RDAP database"]
    assert {n["title"] for n in body["notices"]} == {
        "Terms of Use", "Status Codes", "RDDS Inaccuracy Complaint Form"}
    hrefs = {link["href"] for n in body["notices"] for link in n["links"]}
    assert {"https://icann.org/epp", "https://icann.org/wicf"} <= hrefs
    assert body["links"][0] == {"value": server.base + "domain/glue.example", "rel": "self",
                                "href": server.base + "domain/glue.example",
                                "type": "application/rdap+json"}
    assert body["secureDNS"]["delegationSigned"] is True
    assert body["secureDNS"]["dsData"][0]["keyTag"] == 12345
    assert [n["ldhName"] for n in body["nameservers"]] == ["ns.example.net"]
    assert "port43" not in body  # WHOIS is off for .example


def test_registrar_entity_has_iana_id_and_abuse_contact(server):
    registrar = entity(lookup(server, "domain/glue.example", "rdap_domain.json"), "registrar")
    assert registrar["handle"] == "9999"
    assert registrar["publicIds"] == [{"type": "IANA Registrar ID", "identifier": "9999"}]
    abuse = entity(registrar, "abuse")
    fields = card(abuse)
    assert fields["email"][3] == "abuse@alice.net"
    assert fields["tel"][3] == "tel:+1.5555550100"


def test_gtld_contacts_are_redacted_per_registration_data_policy(server):
    body = lookup(server, "domain/glue.example", "rdap_domain.json")
    roles = [e["roles"][0] for e in body["entities"]]
    assert roles == ["registrar", "registrant", "technical"]  # no admin under the RDP
    registrant = entity(body, "registrant")
    fields = card(registrant)
    assert "handle" not in registrant and fields["fn"][3] == ""
    assert fields["org"][3] == "Example Inc."
    assert fields["adr"][1] == {"cc": "US"}
    assert fields["adr"][3] == ["", "", "", "", "VA", "", ""]
    assert "email" not in fields and "tel" not in fields
    names = {r["name"]["type"] for r in body["redacted"]}
    assert {"Registry Registrant ID", "Registrant Name", "Registrant Street",
            "Registrant City", "Registrant Postal Code", "Registrant Phone",
            "Registrant Fax", "Registrant Email", "Registry Tech ID", "Tech Name",
            "Tech Phone", "Tech Email"} <= names
    assert "Registrant Organization" not in names
    for r in body["redacted"]:
        assert r["pathLang"] == "jsonpath" and r["method"] in ("removal", "emptyValue")
        assert ("prePath" in r) == (r["method"] == "removal")
    text = str(body)
    assert "Jane Doe" not in text and "jdoe@example.com" not in text
    assert "7035555555" not in text and "123 Example Dr." not in text


def test_idn_lookup_by_u_label_and_a_label(server):
    by_a = lookup(server, "domain/xn--bcher-kva.example", "rdap_domain.json")
    by_u = lookup(server, "domain/b%C3%BCcher.example", "rdap_domain.json")
    assert by_a["ldhName"] == by_u["ldhName"] == "xn--bcher-kva.example"
    assert by_u["unicodeName"] == "bücher.example"
    assert lookup(server, "domain/GLUE.Example.", "rdap_domain.json")["ldhName"] == \
        "glue.example"


def test_cctld_profile_shows_contacts_as_disclosed(server):
    body = lookup(server, "domain/shop.cc", "rdap_domain.json")
    assert body["rdapConformance"] == ["rdap_level_0", "redacted"]
    assert [n["title"] for n in body["notices"]] == ["Terms of Use"]
    assert body["port43"] == "whois.nic.cc"
    roles = [e["roles"][0] for e in body["entities"]]
    assert roles == ["registrar", "registrant", "administrative", "technical"]
    tech = card(entity(body, "technical"))
    assert tech["fn"][3] == "Tom Tech" and tech["email"][3] == "tom@example.fr"
    assert "tel" not in tech  # voice not in its disclose list
    assert card(entity(body, "administrative"))["fn"][3] == ""  # jane asked for nothing


def test_minimum_data_set_tld_publishes_no_contacts(server):
    body = lookup(server, "domain/plain.min", "rdap_domain.json")
    assert [e["roles"] for e in body["entities"]] == [["registrar"]]
    assert "redacted" not in body and "redacted" not in body["rdapConformance"]
    assert body["status"] == ["inactive", "add period"]
    assert body["secureDNS"] == {"delegationSigned": False}


def test_nameserver_lookup(server):
    body = lookup(server, "nameserver/ns1.glue.example", "rdap_nameserver.json")
    assert body["ipAddresses"] == {"v4": ["192.0.2.1"], "v6": ["2001:db8::1"]}
    assert body["status"] == ["associated", "active"]
    assert entity(body, "registrar")["handle"] == "9999"


def test_registrar_entity_lookup(server):
    body = lookup(server, "entity/9999", "rdap_entity.json")
    assert body["publicIds"][0]["identifier"] == "9999"
    assert body["rdapConformance"] == GTLD
    bob = lookup(server, "entity/bob", "rdap_entity.json")  # no IANA id: its clid
    assert "publicIds" not in bob


def test_help(server):
    body = lookup(server, "help", "rdap_help.json")
    assert body["rdapConformance"] == GTLD


@pytest.mark.parametrize(("path", "status"), [
    ("domain/nothere.example", 404), ("domain/a.b.example", 404),
    ("domain/bad_name!.example", 400), ("domain/-x.example", 400),
    ("nameserver/nothere.example", 404), ("entity/4242", 404), ("entity/nobody", 404),
    ("autnum/64496", 501), ("ip/192.0.2.0", 501), ("frobnicate/x", 400),
    ("domains?name=a*", 400), ("domains", 400), ("domains?name=x*y*", 400),
    ("nameservers?ip=not-an-ip", 400), ("nameservers?name=ns*&ip=192.0.2.1", 400),
    ("domains?name=zz*", 404), ("domains?name=b%C3%BC*.example", 400),
    ("entities?fn=a*", 400), ("entities?fn=al*&handle=9999", 400), ("entities?fn=zz*", 404),
    ("entities?handle=jane", 404),  # contacts are not searched
])
def test_errors_have_rfc9083_bodies(server, path, status):
    body = lookup(server, path, "rdap_error.json", status)
    assert body["errorCode"] == status and body["title"] and body["description"]


def test_domain_search_with_truncation(server):
    body = domain_search(server, "domains?name=bulk*")
    results = body["domainSearchResults"]
    assert len(results) == SEARCH_LIMIT < BULK
    for result in results:
        assert [e["roles"] for e in result["entities"]] == [["registrar"]]
    assert [r["ldhName"] for r in results] == [f"bulk{i:02}.example"
                                                for i in range(SEARCH_LIMIT)]
    assert body["notices"][-1]["type"] == "result set truncated due to unexplainable reasons"
    body = domain_search(server, "domains?name=gl*.example")
    assert [r["ldhName"] for r in body["domainSearchResults"]] == ["glue.example"]
    assert "result set truncated" not in str(body["notices"])
    body = domain_search(server, "domains?name=xn--bc*.example")
    assert [r["unicodeName"] for r in body["domainSearchResults"]] == ["bücher.example"]
    body = domain_search(server, "domains?name=b%C3%BCcher.example")  # exact: U-label taken
    assert [r["ldhName"] for r in body["domainSearchResults"]] == ["xn--bcher-kva.example"]


def test_nameserver_searches(server):
    by_name = lookup(server, "nameservers?name=ns1.gl*", "rdap_nameservers.json")
    assert [n["ldhName"] for n in by_name["nameserverSearchResults"]] == ["ns1.glue.example"]
    by_ip = lookup(server, "nameservers?ip=2001:0db8::1", "rdap_nameservers.json")
    assert [n["ldhName"] for n in by_ip["nameserverSearchResults"]] == ["ns1.glue.example"]
    exact = lookup(server, "nameservers?name=ns.example.net", "rdap_nameservers.json")
    assert len(exact["nameserverSearchResults"]) == 1


def test_nameservers_by_address_from_the_index_with_truncation(server, registered):
    """nameservers?ip= reads the host_ips index: at most the limit, oldest first, with the
    truncation notice; the index follows the hosts' updates and deletions."""
    world, alice = registered.world, registered.alice
    names = [make_host(world, alice, f"ns{i}.plain.min", "198.51.100.7", "2001:db8::77")
             for i in range(SEARCH_LIMIT + 2)]
    try:
        body = search(server, "nameservers?ip=198.51.100.7", "nameserverSearchResults",
                      "rdap_nameserver.json")
        assert [n["ldhName"] for n in body["nameserverSearchResults"]] == names[:SEARCH_LIMIT]
        assert body["notices"][-1]["type"] == "result set truncated due to unexplainable reasons"
        world.run(HostUpdate(names[0], rem_addresses=(HostAddress("198.51.100.7", "v4"),)),
                  alice)
        world.run(HostDelete(names[1]), alice)
        body = search(server, "nameservers?ip=198.51.100.7", "nameserverSearchResults",
                      "rdap_nameserver.json")
        assert [n["ldhName"] for n in body["nameserverSearchResults"]] == names[2:]
        assert "result set truncated" not in str(body["notices"])
        body = search(server, "nameservers?ip=2001:db8:0::77", "nameserverSearchResults",
                      "rdap_nameserver.json")  # any spelling of the address
        assert [n["ldhName"] for n in body["nameserverSearchResults"]] == (
            [names[0], *names[2:]][:SEARCH_LIMIT])
        assert lookup(server, "nameservers?ip=198.51.100.8", "rdap_error.json", 404)
    finally:
        for name in names[:1] + names[2:]:
            world.run(HostDelete(name), alice)


def test_address_search_plan_reads_the_index(registered):
    """The database's own plan: a lookup on host_ips' key and each host by its id; no
    scan of either table, no sort."""
    statement = hosts_at_address("192.0.2.1", 11)

    def plan(session) -> list[str]:
        compiled = statement.compile(session.bind, compile_kwargs={"literal_binds": True})
        if session.bind.dialect.name == "sqlite":
            return [row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
        return [f"{r.table} {r.type} {r.key} {r.Extra}" for r in
                session.execute(text(f"EXPLAIN {compiled}"))]

    steps = registered.world.registry.read(plan)
    if registered.world.registry.db.engine.dialect.name == "sqlite":
        assert any(s.startswith("SEARCH host_ips USING") for s in steps), steps
        assert any(s.startswith("SEARCH hosts USING INTEGER PRIMARY KEY") for s in steps), steps
        assert not any(s.startswith("SCAN") or "TEMP B-TREE" in s for s in steps), steps
    else:
        kinds = {s.split()[0]: s for s in steps}
        assert kinds["host_ips"].split()[1:3] == ["ref", "PRIMARY"], steps
        assert kinds["hosts"].split()[1:3] == ["eq_ref", "PRIMARY"], steps
        assert "filesort" not in " ".join(steps), steps


def entity_search(server, path: str) -> dict:
    return search(server, path, "entitySearchResults", "rdap_entity.json")


def test_registrar_entity_searches(server):
    by_name = entity_search(server, "entities?fn=AL*")
    [alice] = by_name["entitySearchResults"]
    assert alice["handle"] == "9999" and alice["roles"] == ["registrar"]
    assert alice["publicIds"] == [{"type": "IANA Registrar ID", "identifier": "9999"}]
    assert entity(alice, "abuse")["vcardArray"][1][2][3] == "tel:+1.5555550100"
    by_handle = entity_search(server, "entities?handle=9999")
    assert [e["handle"] for e in by_handle["entitySearchResults"]] == ["9999"]
    bob = entity_search(server, "entities?handle=bo*")  # no IANA ID: its clid
    assert [e["handle"] for e in bob["entitySearchResults"]] == ["bob"]
    assert bob["rdapConformance"][0] == "rdap_level_0"
