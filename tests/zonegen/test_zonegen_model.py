"""Publication rules enforced before anything reaches PowerDNS."""

from __future__ import annotations

import pytest
from zonegen_helpers import DS1, make_spec

from zonegen.model import Delegation, DnssecPolicy, DsRecord, ZoneDataError, ZoneSpec
from zonegen.rectify import Denial


def test_delegation_is_normalised() -> None:
    d = Delegation("Foo.Example", ["NS2.foo.example", "ns1.foo.example."],
                   {"ns1.foo.example": ["192.0.2.1", "2001:DB8:0::1"],
                    "ns2.foo.example": ["192.0.2.2"]}, [DS1.upper().replace("AB", "ab")])
    assert d.name == "foo.example."
    assert d.nameservers == ("ns1.foo.example.", "ns2.foo.example.")
    assert d.glue_map["ns1.foo.example."] == ("192.0.2.1", "2001:db8::1")
    assert d.ds[0].content == DS1


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"nameservers": ()}, "at least one name server"),
    ({"glue": {"ns1.other.example": ["192.0.2.1"]}}, "not inside the delegation"),
    ({"nameservers": ("ns1.foo.example",)}, "needs glue"),
    ({"glue": {"ns1.foo.example": []}}, "without any address"),
    ({"glue": {"ns1.foo.example": ["192.0.2.300"]}}, "bad IP address"),
    ({"ds": ("1 13 2 abcd",)}, "needs 32 bytes"),
    ({"ds": ("1 13 3 " + "ab" * 32,)}, "digest type 3"),
    ({"ds": ("1 1 2 " + "ab" * 32,)}, "algorithm 1"),
    ({"name": "foo bar.example"}, "not a host name"),
])
def test_delegation_rules(kwargs: dict, message: str) -> None:
    args = {"name": "foo.example", "nameservers": ("ns.example.net",), "glue": (), "ds": ()}
    args.update(kwargs)
    with pytest.raises(ZoneDataError, match=message):
        Delegation(**args)


def test_zone_level_rules() -> None:
    spec = make_spec("example.")
    with pytest.raises(ZoneDataError, match="not below the zone"):
        spec.check(Delegation("foo.other.", ("ns.example.net",)))
    with pytest.raises(ZoneDataError, match="hide the zone's own name server"):
        spec.check(Delegation("nic.example.", ("ns.example.net",)))
    with pytest.raises(ZoneDataError, match="needs addresses"):
        ZoneSpec("example.", ("ns1.example.",))
    with pytest.raises(ZoneDataError, match="outside the zone"):
        ZoneSpec("example.", ("ns1.example.net.",), {"ns1.example.net.": ["192.0.2.1"]})


def test_dnssec_policy_defaults_follow_rfc_9276() -> None:
    p = DnssecPolicy()
    assert (p.algorithm, p.keys, p.nsec3, p.opt_out, p.iterations, p.salt) == \
        ("ECDSAP256SHA256", "ksk+zsk", True, True, 0, b"")
    assert Denial.from_policy(DnssecPolicy(denial="nsec")) == Denial(True, False, False)
    assert Denial.from_nsec3param(True, "1 0 5 abcd") == \
        Denial(True, True, False, bytes.fromhex("abcd"), 5)
    with pytest.raises(ZoneDataError):
        DnssecPolicy(nsec3param="1 1 0 zz")
    with pytest.raises(ZoneDataError):
        DnssecPolicy(algorithm="DSA")


def test_ds_record_text_round_trip() -> None:
    ds = DsRecord.from_text("12345 13 2 " + "AB" * 16 + " " + "ab" * 16)
    assert ds.content == DS1
