"""Interop with pyepp (PyPI, InternetNZ's EPP client): a session through its own API against
``pyrar eppd`` over TLS with a client certificate.

Where pyepp builds frames the RFCs do not allow, the test shows our answer and goes on the way
a registrar using pyepp would; each case is in docs/epp-interop.md.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest
from eppd_core_frames import create, transfer
from eppd_core_world import STRONG
from interop_clients import pyepp_communicator
from interop_sandbox import running_sandbox
from pyepp import (
    AddressData,
    Contact,
    ContactData,
    Domain,
    DomainData,
    DSRecordData,
    Host,
    HostData,
    IPAddressData,
    Poll,
    PostalInfoData,
)

ME, OTHER = "registrar1", "registrar2"
_labels = itertools.count(1)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory, schema_check):
    with running_sandbox(tmp_path_factory.mktemp("interop-pyepp"), schema_check) as box:
        yield box


def label() -> str:
    return f"pye{next(_labels)}-{datetime.now(UTC):%H%M%S%f}"


@pytest.mark.filterwarnings("ignore:ssl.OP_NO_SSL:DeprecationWarning")  # inside pyepp
def test_pyepp_session(sandbox, monkeypatch):
    name = f"{label()}.example"
    external = f"ns1.{name[:-8]}.net"
    internal = f"ns1.{name}"
    contact_id = f"pc{next(_labels)}{datetime.now(UTC):%M%S%f}"
    with pyepp_communicator(sandbox, ME, monkeypatch) as epp:
        assert b"<greeting>" in epp.greeting
        assert b"<greeting>" in epp.hello()
        login = epp.login(ME, sandbox.registrars[ME].password,
                          extensions=["rgp-1.0", "epp:fee-1.0"])
        assert login.code == 1000
        domain, contact, host, poll = Domain(epp), Contact(epp), Host(epp), Poll(epp)

        checked = domain.check([name, "nic.example"])
        assert checked.code == 1000
        assert checked.result_data[name] == {"avail": True, "reason": None}
        assert checked.result_data["nic.example"]["avail"] is False
        assert checked.result_data["nic.example"]["reason"]
        assert contact.check([contact_id]).result_data == {
            contact_id: {"avail": True, "reason": None}}
        assert host.check([external]).result_data == {external: {"avail": True, "reason": None}}

        person = ContactData(
            id=contact_id, email="kiri@example.net", phone="+64.41234567", password=STRONG,
            postal_info=PostalInfoData(name="Kiri Te", organization="Example Ltd",
                                       address=AddressData(street_1="1 Queen St",
                                                           city="Auckland", country_code="NZ",
                                                           postal_code="1010")))
        assert contact.create(person).code == 1000
        shown = contact.info(contact_id)
        assert shown.code == 1000
        assert shown.result_data.email == "kiri@example.net"
        assert shown.result_data.postal_info.name == "Kiri Te"
        assert shown.result_data.postal_info.type == "loc"
        assert shown.result_data.postal_info.address.city == "Auckland"
        assert shown.result_data.postal_info.address.country_code == "NZ"
        assert shown.result_data.sponsoring_client_id == ME
        # pyepp reads contact statuses from element text; RFC 5733 puts them in s="..."
        assert shown.result_data.status == [""]
        assert b'<contact:status s="ok"/>' in shown.raw_response

        assert host.create(HostData(host_name=external)).code == 1000

        ds = DSRecordData(key_tag=1234, algorithm=13, digest_type=2, digest="C3" * 32)
        registration = DomainData(domain_name=name, period=1, registrant=contact_id,
                                  admin=contact_id, tech=contact_id, host=[external],
                                  dns_sec=[ds])
        # pyepp's own authInfo is 16 letters and digits (~95 bits); RFC 9154 asks for 128
        weak = domain.create(registration)
        assert weak.code == 2306 and "RFC 9154" in weak.message
        registration.password = STRONG
        assert domain.create(registration).code == 1000
        # RFC 5731 makes the registrant optional; pyepp always writes the element, empty if
        # none was given, which the schema refuses (clIDType is 3 to 16 characters)
        bare = domain.create(DomainData(domain_name=f"{label()}.example", period=1,
                                        password=STRONG))
        assert bare.code == 2001 and "registrant" in bare.message

        glue = HostData(host_name=internal, address=[IPAddressData(address="192.0.2.1", ip="v4")])
        assert host.create(glue).code == 1000
        host_info = host.info(internal)
        assert host_info.code == 1000
        assert host_info.result_data.address == [IPAddressData(address="192.0.2.1", ip="v4")]

        info = domain.info(name)
        assert info.code == 1000
        data = info.result_data
        assert (data.domain_name, data.sponsoring_client_id) == (name, ME)
        assert (data.registrant, data.admin, data.tech) == (contact_id,) * 3
        assert data.host == [external]
        assert data.status == ["ok"]
        assert data.password is None  # RFC 9154: authInfo is never returned
        assert [(d.key_tag, d.algorithm, d.digest_type) for d in data.dns_sec] == [
            ("1234", "13", "2")]

        # pyepp puts <domain:status> before <domain:ns> in <domain:add>; RFC 5731 says ns first
        mixed = domain.update(name, add_statuses=[("clientHold", "investigating")],
                              add_hosts=[internal])
        assert mixed.code == 2001 and "domain:ns" in mixed.message
        # ...so a pyepp user sends them apart
        assert domain.update(name, add_statuses=[("clientHold", "investigating")]).code == 1000
        assert domain.update(name, add_hosts=[internal], remove_hosts=[external]).code == 1000
        data = domain.info(name).result_data
        assert "clientHold" in data.status and data.host == [internal]

        expiry = date.fromisoformat(data.expiry_date[:10])
        renewed = domain.renew(name, expiry, 2)
        assert renewed.code == 1000
        assert f"<domain:exDate>{expiry.year + 2}".encode() in renewed.raw_response

        assert contact.update(ContactData(id=contact_id, email="new@example.net")).code == 1000
        assert contact.info(contact_id).result_data.email == "new@example.net"
        # pyepp writes s=clientDeleteProhibited without quotes: not XML, so 2001
        broken = contact.update(ContactData(id=contact_id), add_status="clientDeleteProhibited")
        assert broken.code == 2001 and "malformed XML" in broken.message

        # a transfer request by the other registrar reaches pyepp's poll
        with sandbox.session(OTHER) as other:
            assert transfer(other, "request", name, pw=STRONG).code == 1001
            theirs = f"{label()}.example"
            assert create(other, theirs).code == 1000
        notice = poll.request()
        assert notice.code == 1301
        assert notice.result_data.message_count == 1
        assert notice.result_data.messages[0].message == f"Transfer requested: {name}"
        acked = poll.acknowledge(notice.result_data.message_id)
        assert acked.code == 1000
        # pyepp reads msgQ from every ack reply; see docs/epp-interop.md on count="0"
        assert acked.result_data.message_count == 0
        assert poll.request().code == 1300

        # pyepp's own transfer request (its only transfer operation)
        assert domain.transfer(theirs, STRONG).code == 1001
        assert domain.transfer(theirs, "wrong-" + STRONG).code == 2300  # already pending

        logout = epp.logout()
        assert logout.code == 1500
