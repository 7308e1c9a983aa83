"""The registrant contact: made at the registry from the user's details, private, sent with
each name registered; a thick TLD's names need it."""

from __future__ import annotations

import pytest

from registrar.errors import InvalidInput
from registry.flows.contact_info import ContactInfoQuery
from registry.flows.domain_info import DomainInfoQuery
from tests.registrar.conftest import funded_user, operator

DETAILS = {"name": "Ann Example", "street": ["1 High Street"], "city": "Leeds",
           "pc": "LS1 1AA", "cc": "gb", "voice": "+44.1131234567"}


def test_a_private_registrant_goes_with_every_name(core, world):
    world.add_tld("thick", data_model="thick")
    user = funded_user(core, world)
    refused = core.place_order(user.id, [{"name": "early.thick"}])
    assert refused.items[0].status == "failed" and refused.refunded.amount > 0
    view = core.set_contact(user.id, DETAILS)
    assert view.contact["cc"] == "GB"
    order = core.place_order(user.id, [{"name": "late.thick"}, {"name": "also.example"}])
    assert [i.status for i in order.items] == ["done", "done"], order.items
    info = world.run(DomainInfoQuery("late.thick"), operator()).result
    handle = info.registrant
    assert handle and world.run(DomainInfoQuery("also.example"), operator()).result \
        .registrant == handle
    contact = world.run(ContactInfoQuery(handle), operator()).result
    assert contact.email == user.email
    assert contact.disclose is not None and contact.disclose["flag"] is False
    updated = core.set_contact(user.id, DETAILS | {"city": "York"})
    assert updated.contact["city"] == "York"
    contact = world.run(ContactInfoQuery(handle), operator()).result
    assert contact.postal[0].city == "York"


@pytest.mark.parametrize("details", [
    {}, {"name": "A"}, DETAILS | {"cc": "GBR"}, DETAILS | {"voice": "0113 123"},
    DETAILS | {"street": ["a", "b", "c", "d"]}, DETAILS | {"name": 5}, "x",
])
def test_bad_details_change_nothing(core, world, details):
    user = funded_user(core, world)
    with pytest.raises(InvalidInput):
        core.set_contact(user.id, details)
    assert core.me(user.id).contact is None
