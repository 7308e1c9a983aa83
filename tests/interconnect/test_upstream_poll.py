"""An upstream's poll messages applied to the site's state (registrar/upstream_poll.py),
each recorded with its msgID in the same transaction: a registry auto-renewal charged to
the holder, a transfer away taking the name off the account, the final deletion removing
it, anything else kept as text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from lxml import etree
from sqlalchemy import select

from eppclient import PollMessage, RegistryConfig
from eppclient.responses import parse_response
from registrar.models import SiteDomain, SiteUpstreamMessage
from registrar.upstream_poll import _seen, apply
from tests.registrar.conftest import (  # noqa: F401
    TEST_SETTINGS,
    core,
    database,
    funded_user,
    mails,
    world,
)

EPP = "urn:ietf:params:xml:ns:epp-1.0"
DOMAIN = "urn:ietf:params:xml:ns:domain-1.0"
CHANGE = "urn:ietf:params:xml:ns:changePoll-1.0"


@dataclass
class FakeLink:
    config: RegistryConfig


@dataclass
class Upstream:
    """What apply() reads of a RemoteRegistry: its name and our clid there."""

    name: str
    link: FakeLink


def message(msg_id: str, res_data: str, extension: str = "", text: str = "") -> PollMessage:
    frame = (f'<epp xmlns="{EPP}"><response><result code="1301"><msg>ack to dequeue</msg>'
             f'</result><msgQ count="1" id="{msg_id}"><qDate>2026-01-01T00:00:00Z</qDate>'
             f"<msg>{text}</msg></msgQ>{res_data}{extension}<trID><svTRID>S-{msg_id}</svTRID>"
             "</trID></response></epp>").encode()
    response = parse_response(etree.fromstring(frame), frame)
    return PollMessage(msg_id, 1, None, text or None, response)


def test_messages_drive_the_site(core, world, tmp_path):  # noqa: F811
    user = funded_user(core, world)
    for name in ("renewed.example", "away.example", "purged.example"):
        assert core.place_order(user.id, [{"name": name}]).status == "done"
    config = RegistryConfig("far", "127.0.0.1", 1, tmp_path, tmp_path, tmp_path, "house", "pw")
    upstream = Upstream("far", FakeLink(config))

    def run(msg: PollMessage) -> None:
        core.tx(lambda ctx: apply(ctx, core.backend, upstream, TEST_SETTINGS, msg))

    def row(name):
        return core.reads(lambda ctx: ctx.session.scalars(select(SiteDomain).where(
            SiteDomain.name == name)).first())

    # the registry renewed a name at expiry: the holder (auto-renew on) pays the renewal
    balance = core.me(user.id).balance.amount
    expires = row("renewed.example").expires_at + timedelta(days=365)
    run(message("11", f'<resData><domain:renData xmlns:domain="{DOMAIN}"><domain:name>'
                      f"renewed.example</domain:name><domain:exDate>{expires.isoformat()}"
                      "</domain:exDate></domain:renData></resData>"))
    assert row("renewed.example").expires_at == expires
    assert core.me(user.id).balance.amount == balance - 1000
    assert [m["values"]["name"] for m in mails(world, "auto_renewed")] == ["renewed.example"]

    # a transfer away, approved: the name leaves the account, the holder is told
    run(message("12", f'<resData><domain:trnData xmlns:domain="{DOMAIN}"><domain:name>'
                      "away.example</domain:name><domain:trStatus>clientApproved"
                      "</domain:trStatus><domain:reID>other</domain:reID><domain:reDate>"
                      "2026-01-01T00:00:00Z</domain:reDate><domain:acID>house</domain:acID>"
                      "<domain:acDate>2026-01-02T00:00:00Z</domain:acDate></domain:trnData>"
                      "</resData>"))
    assert row("away.example") is None
    assert [m["values"]["name"] for m in mails(world, "transfer_out")] == ["away.example"]

    # the final deletion after redemption (panData with changePoll autoPurge)
    run(message("13", f'<resData><domain:panData xmlns:domain="{DOMAIN}"><domain:name '
                      'paResult="1">purged.example</domain:name><domain:paTRID><svTRID>S'
                      "</svTRID></domain:paTRID><domain:paDate>2026-01-03T00:00:00Z"
                      "</domain:paDate></domain:panData></resData>",
                f'<extension><changePoll:changeData xmlns:changePoll="{CHANGE}" state="after">'
                "<changePoll:operation>autoPurge</changePoll:operation><changePoll:date>"
                "2026-01-03T00:00:00Z</changePoll:date><changePoll:svTRID>S</changePoll:svTRID>"
                "<changePoll:who>registry</changePoll:who></changePoll:changeData></extension>"))
    assert row("purged.example") is None

    # a message of nothing the site keeps: logged and stored, not lost
    run(message("14", "", text="Low balance"))

    def stored(ctx):
        return [(m.msg_id, m.summary) for m in ctx.session.scalars(
            select(SiteUpstreamMessage).order_by(SiteUpstreamMessage.id))]
    rows = core.reads(stored)
    assert [r[0] for r in rows] == ["11", "12", "13", "14"]
    assert rows[3][1] == "Low balance"
    # each is known as recorded: drain acknowledges it without applying it again
    assert core.reads(lambda ctx: _seen(ctx, "far", "12"))
    assert not core.reads(lambda ctx: _seen(ctx, "far", "15"))
