"""Contact create, check, info, update and delete: data validation, access control, statuses."""

from __future__ import annotations

import dataclasses

import pytest

from registry.flows.contact_check import ContactCheck
from registry.flows.contact_create import ContactCreate
from registry.flows.contact_delete import ContactDelete
from registry.flows.contact_info import ContactInfoQuery
from registry.flows.contact_update import ContactUpdate
from registry.flows.context import Actor
from registry.flows.domain_update import DomainUpdate
from registry.values import Disclose, PostalAddress, PostalChange, PostalInfo
from tests.core.db_state import refused
from tests.core.objects import EMAIL, POSTAL, make_contact, make_domain
from tests.core.world import START, STRONG

OPERATOR = Actor.operator("test")
LOC = PostalInfo("loc", "Jürgen Müller", "Köln", "DE", street=("Straße 1",))


def create(handle="sh8013", postal=(POSTAL,), email=EMAIL, **kwargs) -> ContactCreate:
    kwargs.setdefault("authinfo", STRONG)
    return ContactCreate(handle, postal, email, **kwargs)


def replacing(*infos: PostalInfo) -> tuple[PostalChange, ...]:
    """The change of each postalInfo's type to exactly that postalInfo."""
    return tuple(map(PostalChange.replacing, infos))


def info(world, handle, actor=OPERATOR):
    return world.run(ContactInfoQuery(handle), actor).result


# --- create ---------------------------------------------------------------------------------

def test_create_and_info_echo_the_data(world, alice):
    r = world.run(create(postal=(POSTAL, LOC), voice="+1.7035555555", voice_ext="1234",
                         fax="+1.7035555556", disclose=Disclose(False, ("voice", "email"))),
                  alice)
    assert (r.code, r.result.id, r.result.created_at) == (1000, "sh8013", START)
    got = world.run(ContactInfoQuery("sh8013"), alice).result
    assert got.postal == (POSTAL, LOC)  # int first, then loc
    assert (got.voice, got.voice_ext, got.fax, got.fax_ext) == (
        "+1.7035555555", "1234", "+1.7035555556", None)
    assert got.email == EMAIL
    assert (got.sponsor, got.creator, got.created_at) == ("alice", "alice", START)
    assert got.statuses == ("ok",) and got.has_authinfo
    assert got.disclose == {"flag": False, "fields": ["email", "voice"]}
    assert got.roid.startswith("C") and got.roid.endswith("-PYRAR")


def test_create_trims_and_drops_empty_optional_fields(world, alice):
    postal = PostalInfo("int", "  Jane  ", " Dulles ", "US", org=" ", street=(" 1 Main St ",),
                        sp="", pc=None)
    world.run(create(postal=(postal,), voice="", fax=None), alice)
    (got,) = info(world, "sh8013").postal
    assert got == PostalInfo("int", "Jane", "Dulles", "US", street=("1 Main St",))
    assert info(world, "sh8013").voice is None


def test_create_loc_only(world, alice):
    world.run(create(postal=(LOC,)), alice)
    assert info(world, "sh8013").postal == (LOC,)


def test_create_existing_2302(world, alice, bob):
    world.run(create(), alice)
    refused(world, 2302, create(), alice)
    refused(world, 2302, create(), bob)


def test_contact_ids_are_case_sensitive(world, alice):
    world.run(create("Case-1"), alice)
    world.run(create("case-1"), alice)
    assert info(world, "Case-1").id == "Case-1"
    refused(world, 2303, ContactInfoQuery("CASE-1"), alice)


@pytest.mark.parametrize("handle", ["ab", "a" * 17, "with space", "ünïcode", "abc\n"])
def test_create_bad_id_2005(world, alice, handle):
    refused(world, 2005, create(handle), alice)


@pytest.mark.parametrize(("change", "code"), [
    ({"cc": "XX"}, 2005), ({"cc": "us"}, 2005), ({"cc": "USA"}, 2005), ({"cc": "UK"}, 2005),
    ({"name": ""}, 2003), ({"name": "   "}, 2003), ({"city": ""}, 2003), ({"cc": ""}, 2003),
    ({"name": "Jürgen"}, 2005), ({"city": "Köln"}, 2005), ({"street": ("Straße 1",)}, 2005),
    ({"org": "Müller GmbH"}, 2005), ({"sp": "Bayern ü"}, 2005), ({"pc": "12345 ß"}, 2005),
    ({"street": ("1", "2", "3", "4")}, 2306), ({"type": "xyz"}, 2005),
])
def test_create_bad_postal_info(world, alice, change, code):
    refused(world, code, create(postal=(dataclasses.replace(POSTAL, **change),)), alice)


def test_create_loc_may_use_non_ascii_but_not_bad_country(world, alice):
    refused(world, 2005, create(postal=(dataclasses.replace(LOC, cc="ZZ"),)), alice)
    refused(world, 2003, create(postal=(dataclasses.replace(LOC, city=""),)), alice)


def test_create_postal_info_rules(world, alice):
    refused(world, 2003, create(postal=()), alice)
    refused(world, 2306, create(postal=(POSTAL, POSTAL)), alice)


@pytest.mark.parametrize("email", ["", "jdoe", "jdoe@", "@example.com", "jdoe@example",
                                   "j doe@example.com", "jdoe@@example.com", "jdoe@-x.com",
                                   "jdoe@example.com\n", "a" * 250 + "@example.com",
                                   '"j doe"@example.com'])
def test_create_bad_email_2005(world, alice, email):
    refused(world, 2005, create(email=email), alice)


@pytest.mark.parametrize("email", ["jdoe@example.com", "j.doe+tag@mail.example.co.uk",
                                   "J_Doe@EXAMPLE.COM", "x@xn--mnchen-3ya.de"])
def test_create_good_emails(world, alice, email):
    world.run(create(email=email), alice)
    assert info(world, "sh8013").email == email


@pytest.mark.parametrize(("field", "value"), [
    ("voice", "555-1234"), ("voice", "+1 7035555555"), ("voice", "+1.703.5555555"),
    ("voice", "+1234.5555"), ("voice", "1.7035555555"), ("voice", "+1.123456789012345"),
    ("voice", "+1.7035555555\n"), ("fax", "+1-7035555555"),
])
def test_create_bad_phone_2005(world, alice, field, value):
    refused(world, 2005, create(**{field: value}), alice)


@pytest.mark.parametrize("ext", ["1" * 17, "12a", " 12", "x"])
def test_create_bad_phone_extension_2005(world, alice, ext):
    """Extensions are checked, not left for MariaDB to refuse (or SQLite to accept) at insert."""
    refused(world, 2005, create(voice="+1.7035555555", voice_ext=ext), alice)
    refused(world, 2005, create(fax="+1.7035555555", fax_ext=ext), alice)


def test_update_bad_phone_extension_2005(world, alice, sh8013):
    refused(world, 2005, ContactUpdate(sh8013, voice="+1.7035555555", voice_ext="1" * 17), alice)
    world.run(ContactUpdate(sh8013, voice="+1.7035555555", voice_ext="1" * 16), alice)
    assert info(world, sh8013).voice_ext == "1" * 16


def test_create_weak_authinfo_2306(world, alice):
    refused(world, 2306, create(authinfo="weak"), alice)


def test_create_unknown_disclose_element_2005(world, alice):
    refused(world, 2005, create(disclose=Disclose(False, ("voice", "shoe-size"))), alice)


# --- check ----------------------------------------------------------------------------------

def test_check(world, alice, bob):
    make_contact(world, alice, "sh8013")
    result = world.run(ContactCheck(("sh8013", "free-1", "SH8013", "x")), bob).result
    assert [(c.id, c.available, c.reason) for c in result.ids] == [
        ("sh8013", False, "In use"), ("free-1", True, None), ("SH8013", True, None),
        ("x", False, "Invalid contact id")]


# --- info and access control ----------------------------------------------------------------

def test_info_by_another_registrar_needs_the_authinfo(world, alice, bob):
    make_contact(world, alice, "sh8013")
    refused(world, 2201, ContactInfoQuery("sh8013"), bob)
    refused(world, 2201, ContactInfoQuery("sh8013", authinfo=""), bob)
    refused(world, 2202, ContactInfoQuery("sh8013", authinfo="Wr0ng-but-long-enough-pw"), bob)
    got = world.run(ContactInfoQuery("sh8013", authinfo=STRONG), bob).result
    assert (got.id, got.sponsor, got.email) == ("sh8013", "alice", EMAIL)


def test_info_of_a_contact_without_authinfo_2202(world, alice, bob):
    make_contact(world, alice, "sh8013", authinfo="")
    assert not info(world, "sh8013").has_authinfo
    refused(world, 2202, ContactInfoQuery("sh8013", authinfo=STRONG), bob)


def test_info_unknown_2303(world, alice):
    refused(world, 2303, ContactInfoQuery("nobody"), alice)


def test_linked_status(world, alice):
    make_contact(world, alice, "sh8013")
    make_domain(world, alice, "foo.example", registrant="sh8013")
    assert info(world, "sh8013").statuses == ("linked", "ok")
    world.run(ContactUpdate("sh8013", add_statuses=("clientDeleteProhibited",)), alice)
    assert info(world, "sh8013").statuses == ("clientDeleteProhibited", "linked")


# --- update ---------------------------------------------------------------------------------

@pytest.fixture
def sh8013(world, alice):
    return make_contact(world, alice, "sh8013", voice="+1.7035555555", voice_ext="12",
                        fax="+1.7035555556")


def test_update_data(world, alice, sh8013):
    world.clock.advance(hours=2)
    new_int = dataclasses.replace(POSTAL, name="John Doe", street=("1 A St", "Suite 2"))
    r = world.run(ContactUpdate(sh8013, postal=replacing(new_int, LOC), email="john@example.org",
                                voice="+44.2079460000", fax="", disclose=Disclose(True, ())),
                  alice)
    assert r.code == 1000
    got = info(world, sh8013)
    assert got.postal == (new_int, LOC)
    assert got.email == "john@example.org"
    assert (got.voice, got.voice_ext, got.fax) == ("+44.2079460000", None, None)
    assert got.disclose == {"flag": True, "fields": []}
    assert (got.updater, got.updated_at) == ("alice", world.clock.now())


def test_update_one_postal_type_keeps_the_other(world, alice, sh8013):
    world.run(ContactUpdate(sh8013, postal=replacing(LOC)), alice)
    world.run(ContactUpdate(sh8013, postal=replacing(dataclasses.replace(POSTAL, city="Reston"))),
              alice)
    assert [p.city for p in info(world, sh8013).postal] == ["Reston", "Köln"]


# RFC 5733 3.2.5: what a changed postalInfo leaves out stays as it is. The core merges it in
# the update's one transaction (eppd only parses what the client sent).
ADDR = PostalAddress("Reston", "US", ("1 A St", "Suite 2"))


@pytest.mark.parametrize(("change", "expected"), [
    (PostalChange("int", name="John Doe"), dataclasses.replace(POSTAL, name="John Doe")),
    (PostalChange("int", org="Other Inc."), dataclasses.replace(POSTAL, org="Other Inc.")),
    (PostalChange("int", org=""), dataclasses.replace(POSTAL, org=None)),
    # a given <addr> replaces the whole address: sp and pc left out of it are gone
    (PostalChange("int", addr=ADDR),
     dataclasses.replace(POSTAL, city="Reston", street=("1 A St", "Suite 2"), sp=None,
                         pc=None)),
    (PostalChange("int", name="John Doe", addr=ADDR),
     dataclasses.replace(POSTAL, name="John Doe", city="Reston",
                         street=("1 A St", "Suite 2"), sp=None, pc=None)),
], ids=["name", "org", "org-removed", "addr", "name-and-addr"])
def test_update_merges_a_partial_postal_info(world, alice, sh8013, change, expected):
    world.run(ContactUpdate(sh8013, postal=(change,)), alice)
    assert info(world, sh8013).postal == (expected,)


def test_update_adds_a_postal_type_not_stored_before(world, alice, sh8013):
    # a loc postalInfo not stored before starts as a copy of the int one (RST epp-09
    # changes loc fields one by one on contacts created with int only)
    world.run(ContactUpdate(sh8013, postal=(PostalChange("loc", name="Jeanne"),)), alice)
    assert info(world, sh8013).postal == (
        POSTAL, dataclasses.replace(POSTAL, type="loc", name="Jeanne"))
    world.run(ContactUpdate(sh8013, postal=(PostalChange(
        "loc", name="Jürgen Müller", addr=PostalAddress("Köln", "DE", ("Straße 1",))),)), alice)
    loc = dataclasses.replace(LOC, org=POSTAL.org)  # copied from int, kept
    assert info(world, sh8013).postal == (POSTAL, loc)
    world.run(ContactUpdate(sh8013, postal=(PostalChange("loc", name="Jürgen"),
                                            PostalChange("int", org=""))), alice)
    assert info(world, sh8013).postal == (dataclasses.replace(POSTAL, org=None),
                                          dataclasses.replace(loc, name="Jürgen"))


@pytest.mark.parametrize(("changes", "code"), [
    ((PostalChange("int", name="Jürgen"),), 2005),  # the merged int postalInfo is not ASCII
    ((PostalChange("int", addr=PostalAddress("Reston", "XX")),), 2005),
    ((PostalChange("int", name=""),), 2003),
    ((PostalChange("int", name="A"), PostalChange("int", org="B")), 2306),  # int twice
    ((PostalChange("xyz", name="A"),), 2005),
])
def test_update_refuses_a_merge_that_is_not_a_valid_postal_info(world, alice, sh8013,
                                                                   changes, code):
    refused(world, code, ContactUpdate(sh8013, postal=changes), alice)


def test_update_adds_int_from_loc_only_when_it_is_ascii(world, alice):
    world.run(create("loc-only", postal=(LOC,)), alice)
    error = refused(world, 2005, ContactUpdate("loc-only", postal=(
        PostalChange("int", name="Juergen Mueller"),)), alice)
    assert "7-bit ASCII" in error.reason
    world.run(ContactUpdate("loc-only", postal=(PostalChange(
        "int", name="Juergen Mueller", addr=PostalAddress("Koeln", "DE")),)), alice)
    assert [p.type for p in info(world, "loc-only").postal] == ["int", "loc"]


def test_update_merges_with_what_is_stored_when_it_runs(world, alice, sh8013):
    """Two partial changes one after the other: the second keeps the first's name."""
    world.run(ContactUpdate(sh8013, postal=(PostalChange("int", name="John Doe"),)), alice)
    world.run(ContactUpdate(sh8013, postal=(PostalChange("int", org="Other Inc."),)), alice)
    assert info(world, sh8013).postal == (
        dataclasses.replace(POSTAL, name="John Doe", org="Other Inc."),)


@pytest.mark.parametrize("change", [
    {"email": "not-an-email"}, {"voice": "555"}, {"fax": "+1-555"},
    {"postal": replacing(dataclasses.replace(POSTAL, cc="XX"))},
    {"postal": replacing(dataclasses.replace(POSTAL, name="Jürgen"))},
    {"postal": replacing(dataclasses.replace(POSTAL, type="xyz"))},
    {"disclose": Disclose(True, ("everything",))},
])
def test_update_bad_data_2005(world, alice, sh8013, change):
    refused(world, 2005, ContactUpdate(sh8013, **change), alice)


@pytest.mark.parametrize(("change", "code"), [
    ({"postal": replacing(dataclasses.replace(POSTAL, city=""))}, 2003),
    ({"postal": replacing(POSTAL, POSTAL)}, 2306),
    ({"authinfo": "weak"}, 2306),
    ({"email": ""}, 2005),
])
def test_update_refused(world, alice, sh8013, change, code):
    refused(world, code, ContactUpdate(sh8013, **change), alice)


def test_update_authinfo_change_and_unset(world, alice, bob, sh8013):
    other = "An0ther-Str0ng-Auth-Info-98765"
    world.run(ContactUpdate(sh8013, authinfo=other), alice)
    refused(world, 2202, ContactInfoQuery(sh8013, authinfo=STRONG), bob)
    assert world.run(ContactInfoQuery(sh8013, authinfo=other), bob).result.id == sh8013
    world.run(ContactUpdate(sh8013, authinfo=""), alice)
    assert not info(world, sh8013).has_authinfo


def test_update_by_another_registrar_2201(world, alice, bob, sh8013):
    """ICANN RST epp-08."""
    refused(world, 2201, ContactUpdate(sh8013, email="bob@example.com"), bob)
    refused(world, 2201, ContactUpdate(sh8013, add_statuses=("clientDeleteProhibited",)), bob)


def test_update_unknown_2303(world, alice):
    refused(world, 2303, ContactUpdate("nobody", email="x@example.com"), alice)


def test_update_statuses(world, alice, sh8013):
    world.run(ContactUpdate(sh8013, add_statuses=("clientDeleteProhibited",
                                                  "clientTransferProhibited")), alice)
    assert info(world, sh8013).statuses == ("clientDeleteProhibited",
                                            "clientTransferProhibited")
    refused(world, 2306, ContactUpdate(sh8013, add_statuses=("clientDeleteProhibited",)), alice)
    refused(world, 2306, ContactUpdate(sh8013, rem_statuses=("clientUpdateProhibited",)), alice)
    refused(world, 2306, ContactUpdate(sh8013, add_statuses=("clientHold",)), alice)
    refused(world, 2306, ContactUpdate(sh8013, add_statuses=("serverDeleteProhibited",)), alice)
    refused(world, 2306, ContactUpdate(sh8013, add_statuses=("linked",)), alice)
    world.run(ContactUpdate(sh8013, rem_statuses=("clientDeleteProhibited",
                                                  "clientTransferProhibited")), alice)
    assert info(world, sh8013).statuses == ("ok",)


def test_client_update_prohibited_allows_only_its_removal(world, alice, sh8013):
    world.run(ContactUpdate(sh8013, add_statuses=("clientUpdateProhibited",)), alice)
    refused(world, 2304, ContactUpdate(sh8013, email="new@example.com"), alice)
    refused(world, 2304, ContactUpdate(sh8013, rem_statuses=("clientUpdateProhibited",),
                                       email="new@example.com"), alice)
    world.run(ContactUpdate(sh8013, rem_statuses=("clientUpdateProhibited",)), alice)
    world.run(ContactUpdate(sh8013, email="new@example.com"), alice)


def test_server_update_prohibited_refuses_registrars_not_operators(world, alice, sh8013):
    world.run(ContactUpdate(sh8013, add_statuses=("serverUpdateProhibited",)), OPERATOR)
    refused(world, 2304, ContactUpdate(sh8013, email="new@example.com"), alice)
    refused(world, 2304, ContactUpdate(sh8013, rem_statuses=("serverUpdateProhibited",)), alice)
    world.run(ContactUpdate(sh8013, email="ops@example.com"), OPERATOR)
    assert info(world, sh8013).email == "ops@example.com"
    world.run(ContactUpdate(sh8013, rem_statuses=("serverUpdateProhibited",)), OPERATOR)
    world.run(ContactUpdate(sh8013, email="new@example.com"), alice)


# --- delete ---------------------------------------------------------------------------------

def test_delete(world, alice, sh8013):
    assert world.run(ContactDelete(sh8013), alice).code == 1000
    refused(world, 2303, ContactInfoQuery(sh8013), alice)
    world.run(create(), alice)  # the id is free again


@pytest.mark.parametrize("role", ["registrant", "admin", "tech", "billing"])
def test_delete_linked_2305(world, alice, bob, sh8013, role):
    kwargs = {"registrant": sh8013} if role == "registrant" else {"contacts": ((role, sh8013),)}
    make_domain(world, alice, "foo.example", **kwargs)
    refused(world, 2305, ContactDelete(sh8013), alice)
    if role == "registrant":
        world.run(DomainUpdate("foo.example", registrant=""), alice)
    else:
        world.run(DomainUpdate("foo.example", rem_contacts=((role, sh8013),)), alice)
    world.run(ContactDelete(sh8013), alice)


@pytest.mark.parametrize("status", ["clientDeleteProhibited", "serverDeleteProhibited"])
def test_delete_prohibited_2304(world, alice, sh8013, status):
    world.run(ContactUpdate(sh8013, add_statuses=(status,)),
              OPERATOR if status.startswith("server") else alice)
    refused(world, 2304, ContactDelete(sh8013), alice)


def test_delete_by_another_registrar_2201(world, alice, bob, sh8013):
    refused(world, 2201, ContactDelete(sh8013), bob)


def test_delete_unknown_2303(world, alice):
    refused(world, 2303, ContactDelete("nobody"), alice)
