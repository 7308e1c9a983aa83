"""Label rules: LDH, length, R-LDH, punycode, IDNA2008, emoji by TLD policy; host names; ids."""

from __future__ import annotations

import pytest

from registry.errors import EppError, ParameterPolicyError, ParameterSyntaxError
from registry.flows.contact_check import ContactCheck
from registry.flows.domain_check import DomainCheck
from registry.flows.domain_create import DomainCreate
from registry.flows.host_check import HostCheck
from registry.flows.host_create import HostCreate
from registry.names import (
    check_contact_id,
    check_label,
    normalize_host_name,
    split_domain,
    unicode_name,
)
from registry.values import HostAddress
from tests.core.db_state import refused
from tests.core.objects import domain_info
from tests.core.world import STRONG

MUENCHEN = "xn--mnchen-3ya"  # münchen
GRINNING = "xn--e28h"  # 😀


def label_error(label: str, *, idn: bool = True, emoji: bool = False) -> int:
    with pytest.raises(EppError) as info:
        check_label(label, idn_allowed=idn, emoji_allowed=emoji)
    return info.value.code


# --- registry.names, directly ---------------------------------------------------------------

@pytest.mark.parametrize("label", ["a", "0", "ab", "a-b", "a--b", "0-9", "x" * 63, "a1" * 31])
def test_ldh_labels_accepted(label):
    assert check_label(label, idn_allowed=False, emoji_allowed=False) == label


@pytest.mark.parametrize("label", [
    "x" * 64, "-ab", "ab-", "-", "a_b", "a b", "a.b", "", "ab!", "Ab",
])
def test_non_ldh_labels_refused_2005(label):
    assert label_error(label) == 2005


@pytest.mark.parametrize("label", ["xx--ab", "ab--cd", "zz--main-1234", "a1--x"])
def test_reserved_ldh_labels_refused_2005(label):
    assert label_error(label, emoji=True) == 2005


def test_bad_punycode_refused_2005():
    assert label_error("xn--zz") == 2005
    assert label_error("xn--zz", emoji=True) == 2005


@pytest.mark.parametrize("label", ["xn--abc", "xn--a", "xn--munchen-gie"])
def test_punycode_that_is_not_idna2008_refused_2306(label):
    # xn--abc and xn--a decode to control characters; xn--munchen-gie is "münchen" with a
    # combining diaeresis (not NFC).
    assert label_error(label) == 2306


def test_valid_idn_accepted_as_a_label():
    assert check_label(MUENCHEN, idn_allowed=True, emoji_allowed=False) == MUENCHEN
    assert check_label("xn--zca", idn_allowed=True, emoji_allowed=False) == "xn--zca"  # ß


def test_idn_refused_2306_where_the_tld_does_not_allow_it():
    assert label_error(MUENCHEN, idn=False) == 2306


def test_u_label_input_becomes_the_a_label():
    assert split_domain("münchen.example") == split_domain(f"{MUENCHEN}.example")
    assert split_domain("MÜNCHEN.Example.").name == f"{MUENCHEN}.example"
    # decomposed input is normalised to NFC before encoding
    assert split_domain("mu\u0308nchen.example").label == MUENCHEN
    assert split_domain("😀.example").label == GRINNING
    assert unicode_name(f"{MUENCHEN}.example") == "münchen.example"
    assert unicode_name(f"{GRINNING}.example") == "😀.example"


@pytest.mark.parametrize("text", ["😀", "💩", "❤\ufe0f", "😀\u200d😀", "i-❤-nyc", "i❤nyc"])
def test_emoji_labels_only_where_allowed(text):
    label = split_domain(f"{text}.example").label
    assert check_label(label, idn_allowed=True, emoji_allowed=True) == label
    assert label_error(label, emoji=False) == 2306


@pytest.mark.parametrize("text", [
    "\u200d",  # a joiner alone is not an emoji
    "\ufe0f",  # nor is a variation selector alone
    "\u200d\ufe0f",
    "a£b",  # a symbol IDNA2008 refuses that is not an emoji
    "😀-",  # U-labels cannot end with a hyphen either
    "-😀",
    "ab--😀",  # nor have hyphens in the third and fourth positions
])
def test_not_emoji_labels_refused_even_where_emoji_are_allowed(text):
    label = split_domain(f"{text}.example").label
    assert label_error(label, emoji=True) == 2306


def test_split_domain_shapes():
    assert split_domain(" Foo.Example. ").name == "foo.example"
    with pytest.raises(ParameterPolicyError):
        split_domain("a.b.example")  # only second-level names
    for text in ("example", "foo.", "a..example"):
        with pytest.raises(ParameterPolicyError):
            split_domain(text)
    for text in ("", ".example", "x" * 250 + ".example"):
        with pytest.raises(ParameterSyntaxError):
            split_domain(text)


@pytest.mark.parametrize(("text", "name"), [
    ("NS1.Example.COM.", "ns1.example.com"),
    ("ns1.münchen.de", f"ns1.{MUENCHEN}.de"),
    ("ns1.epp-14.rst.icann", "ns1.epp-14.rst.icann"),  # RST's external hosts
    ("ns1.foo.zz--main-1234", "ns1.foo.zz--main-1234"),  # hosts in RST's test TLDs
    ("a.b", "a.b"),
    ("ns1.example.c0m", "ns1.example.c0m"),
    ("a." + "b" * 63 + ".com", "a." + "b" * 63 + ".com"),
])
def test_host_names_accepted(text, name):
    assert normalize_host_name(text) == name


@pytest.mark.parametrize("text", [
    "", "localhost", "ns1..example.com", "-ns1.example.com", "ns1-.example.com",
    "ns1.example.123", "ns_1.example.com", "ns1.xn--zz.com", "ns1.xn--abc.com",
    "ns1.ab--cd.com", "a." + "b" * 64 + ".com", ("a" * 62 + ".") * 4 + "com", "ns 1.example.com",
])
def test_host_names_refused_2005(text):
    with pytest.raises(EppError) as info:
        normalize_host_name(text)
    assert info.value.code == 2005


@pytest.mark.parametrize("handle", ["abc", "a" * 16, "sh8013", "ABC-123_x", "!#$%&'*+-/=?^_`"])
def test_contact_ids_accepted(handle):
    assert check_contact_id(handle) == handle


@pytest.mark.parametrize("handle", ["", "ab", "a" * 17, "a b c", "abcé", "abc\n", "tab\tx"])
def test_contact_ids_refused_2005(handle):
    with pytest.raises(EppError) as info:
        check_contact_id(handle)
    assert info.value.code == 2005


# --- the same rules through the flows ---------------------------------------------------------

@pytest.fixture
def tlds(world, tld):
    world.add_tld("plain", idn_allowed=False)
    world.add_tld("smile", emoji_allowed=True)
    return tld


def test_check_says_why_names_are_not_available(world, alice, tlds):
    names = ("ok.example", "-bad.example", "ab--cd.example", "xn--zz.example",
             "x" * 64 + ".example", "a.b.example", "foo.unknown", "münchen.plain",
             "😀.example", "😀.smile", "münchen.example", "")
    result = world.run(DomainCheck(names), alice).result
    got = {n.name: n for n in result.names}
    assert [n.name for n in result.names] == list(names)
    assert got["ok.example"].available and got["ok.example"].reason is None
    assert got["😀.smile"].available
    assert got["münchen.example"].available
    for name in names:
        if name not in ("ok.example", "😀.smile", "münchen.example"):
            assert not got[name].available, name
            assert got[name].reason, name
    assert "does not serve" in got["foo.unknown"].reason
    assert "IDN" in got["münchen.plain"].reason


def test_check_reports_registered_u_label_names_as_in_use(world, alice, tlds):
    world.run(DomainCreate("münchen.example", authinfo=STRONG), alice)
    result = world.run(DomainCheck(("münchen.example", f"{MUENCHEN}.example",
                                    f"{MUENCHEN.upper()}.EXAMPLE")), alice).result
    assert [(n.available, n.reason) for n in result.names] == [(False, "In use")] * 3


@pytest.mark.parametrize(("name", "code"), [
    ("-bad.example", 2005), ("bad-.example", 2005), ("ab--cd.example", 2005),
    ("xn--zz.example", 2005), ("x" * 64 + ".example", 2005), ("xn--abc.example", 2306),
    ("a.b.example", 2306), ("foo.unknown", 2306), ("münchen.plain", 2306),
    ("😀.example", 2306), ("😀.plain", 2306), ("\u200d.smile", 2306), ("", 2005),
])
def test_create_refuses_bad_names(world, alice, tlds, name, code):
    refused(world, code, DomainCreate(name, authinfo=STRONG), alice)


@pytest.mark.parametrize(("text", "stored"), [
    ("münchen.example", f"{MUENCHEN}.example"),
    (f"{MUENCHEN}.example", f"{MUENCHEN}.example"),
    ("😀.smile", f"{GRINNING}.smile"),
    ("i-❤-nyc.smile", "xn--i--nyc-j50d.smile"),
    ("x" * 63 + ".example", "x" * 63 + ".example"),
    ("Mixed-Case9.EXAMPLE", "mixed-case9.example"),
])
def test_create_stores_a_labels(world, alice, tlds, text, stored):
    created = world.run(DomainCreate(text, authinfo=STRONG), alice).result
    assert created.name == stored
    assert domain_info(world, text).name == stored


def test_host_check_reasons(world, alice, tlds):
    result = world.run(HostCheck(("ns1.example.net", "bad..name", "ns1.foo.zz--main-1234",
                                  "localhost")), alice).result
    got = [(n.available, bool(n.reason)) for n in result.names]
    assert got == [(True, False), (False, True), (True, False), (False, True)]


def test_contact_check_reasons(world, alice):
    result = world.run(ContactCheck(("good-id", "ab", "a" * 17, "with space")), alice).result
    assert [(n.available, n.reason) for n in result.ids] == [
        (True, None), (False, "Invalid contact id"), (False, "Invalid contact id"),
        (False, "Invalid contact id")]


def test_rst_test_tlds_serve_domains_and_hosts(world, alice):
    """ICANN RST runs against TLDs like zz--main-1234; their labels are R-LDH on purpose."""
    world.add_tld("zz--main-1234")
    world.run(DomainCreate("foo.zz--main-1234", authinfo=STRONG), alice)
    world.run(HostCreate("ns1.foo.zz--main-1234", (HostAddress("192.0.2.1"),)), alice)
    assert domain_info(world, "foo.zz--main-1234").subordinate_hosts == (
        "ns1.foo.zz--main-1234",)
    refused(world, 2005, DomainCreate("ab--cd.zz--main-1234", authinfo=STRONG), alice)
    with pytest.raises(EppError) as info:
        world.add_tld("xn--zz")
    assert info.value.code == 2005


def test_idn_tld(world, alice):
    world.add_tld("рф")
    created = world.run(DomainCreate("пример.РФ", authinfo=STRONG), alice).result
    assert created.name == "xn--e1afmkfd.xn--p1ai"
    assert unicode_name(created.name) == "пример.рф"
    result = world.run(DomainCheck(("пример.рф", "xn--e1afmkfd.xn--p1ai", "другой.рф")),
                       alice).result
    assert [n.available for n in result.names] == [False, False, True]
