"""Poll req/ack of every message kind, changePoll-1.0 for what the registry did itself,
RFC 9038 for namespaces a client did not log in with, msgQ on other responses."""

from __future__ import annotations

import pytest
from eppd_core_frames import create, fresh, info, transfer
from eppd_core_world import EXTENSIONS, NS, STRONG, core_world
from sqlalchemy import select

from registry.models import Registrar

POLL = '<poll op="req"/>'
CHANGE_POLL_REASON = f"{NS['cp']} not in login services"


@pytest.fixture(scope="module", params=["sqlite", "mariadb"])
def world(request, tmp_path_factory, pki, schema_check):
    with core_world(tmp_path_factory.mktemp(f"core-poll-{request.param}"), pki,
                    schema_check, request.param) as w:
        yield w


@pytest.fixture
def reg1(world):
    with world.session("reg1") as epp:
        drain(epp)
        yield epp


@pytest.fixture
def reg2(world):
    with world.session("reg2") as epp:
        drain(epp)
        yield epp


def ack(epp, message_id: str):
    return epp.command(f'<poll op="ack" msgID="{message_id}"/>')


def drain(epp) -> list:
    """Every queued message, each acknowledged after it was read."""
    seen = []
    while (reply := epp.command(POLL)).code == 1301:
        seen.append(reply)
        assert ack(epp, reply.msg_queue.get("id")).code == 1000
    assert reply.code == 1300
    assert reply.msg_queue is None
    return seen


def change(reply) -> tuple[str, str] | None:
    data = reply.ext("cp:changeData")
    if data is None:
        return None
    return data.findtext("cp:operation", namespaces=NS), data.findtext("cp:who", namespaces=NS)


def test_request_and_ack_with_counts(world, reg1, reg2):
    name = fresh()
    assert create(reg1, name).code == 1000
    assert transfer(reg2, "request", name, pw=STRONG).code == 1001
    # every response of reg1 now says a message waits
    check = reg1.command(f"<check><d:check><d:name>{name}</d:name></d:check></check>")
    queue = check.msg_queue
    assert queue is not None and queue.get("count") == "1"
    message = reg1.command(POLL)
    assert message.code == 1301
    assert message.msg_queue.get("count") == "1"
    assert message.msg_queue.get("id") == queue.get("id")
    assert message.msg_queue.findtext("e:qDate", namespaces=NS)
    assert "Transfer requested" in message.msg_queue.findtext("e:msg", namespaces=NS)
    trn = message.res("d:trnData")
    assert trn.findtext("d:name", namespaces=NS) == name
    assert trn.findtext("d:trStatus", namespaces=NS) == "pending"
    assert change(message) is None  # asked for by a registrar, not done by the registry
    acked = ack(reg1, queue.get("id"))
    assert acked.code == 1000
    assert acked.msg_queue.get("count") == "0"
    assert acked.msg_queue.get("id") == queue.get("id")
    again = ack(reg1, queue.get("id"))
    assert again.code == 2303
    assert reg1.command(POLL).code == 1300
    assert ack(reg1, "not-a-number").code == 2303
    assert transfer(reg2, "cancel", name).code == 1000
    cancelled = drain(reg1)
    assert [m.res("d:trnData").findtext("d:trStatus", namespaces=NS) for m in cancelled] == \
        ["clientCancelled"]


def test_auto_approved_transfer_carries_change_poll(world, reg1, reg2):
    name = fresh("fast")  # no pending period: approved at the next touch
    assert create(reg1, name).code == 1000
    assert transfer(reg2, "request", name, pw=STRONG).code == 1001
    assert transfer(reg2, "query", name).res("d:trnData").findtext(
        "d:trStatus", namespaces=NS) == "serverApproved"
    loser = drain(reg1)
    assert [m.res("d:trnData").findtext("d:trStatus", namespaces=NS) for m in loser] == \
        ["pending", "serverApproved"]
    assert change(loser[0]) is None
    assert change(loser[1]) == ("transfer", "PyRar core test")
    winner = drain(reg2)
    assert [m.res("d:trnData").findtext("d:trStatus", namespaces=NS) for m in winner] == \
        ["serverApproved"]
    assert change(winner[0]) == ("transfer", "PyRar core test")


def test_auto_renewal_message(world, reg1):
    name = fresh()
    assert create(reg1, name).code == 1000
    world.reach_expiry(name)
    assert info(reg1, name).code == 1000  # touching it settles the renewal
    [message] = drain(reg1)
    ren = message.res("d:renData")
    assert ren.findtext("d:name", namespaces=NS) == name
    assert ren.findtext("d:exDate", namespaces=NS)
    assert change(message) == ("autoRenew", "PyRar core test")
    data = message.ext("cp:changeData")
    assert data.findtext("cp:svTRID", namespaces=NS)
    assert data.findtext("cp:date", namespaces=NS)


def test_purge_after_redemption_is_a_pending_action_notice(world, reg1):
    name = fresh("fast")
    assert create(reg1, name).code == 1000
    deleted = reg1.command(f"<delete><d:delete><d:name>{name}</d:name></d:delete></delete>")
    assert deleted.code == 1001
    assert info(reg1, name).code == 2303  # redemption and pendingDelete took no time
    [message] = drain(reg1)
    pan = message.res("d:panData")
    assert pan.findtext("d:name", namespaces=NS) == name
    assert pan.find("d:name", NS).get("paResult") == "1"
    assert pan.findtext("d:paTRID/e:svTRID", namespaces=NS)
    assert change(message) == ("autoPurge", "PyRar core test")


def test_contact_transfer_messages(world, reg1, reg2):
    handle = f"ct{fresh()[:10].replace('-', '')}"
    assert reg1.command(
        f"<create><c:create><c:id>{handle}</c:id><c:postalInfo type=\"int\"><c:name>J Doe"
        "</c:name><c:addr><c:city>Dulles</c:city><c:cc>US</c:cc></c:addr></c:postalInfo>"
        f"<c:email>jdoe@example.com</c:email><c:authInfo><c:pw>{STRONG}</c:pw></c:authInfo>"
        "</c:create></create>").code == 1000
    assert reg2.command(f'<transfer op="request"><c:transfer><c:id>{handle}</c:id>'
                        f"<c:authInfo><c:pw>{STRONG}</c:pw></c:authInfo></c:transfer>"
                        "</transfer>").code == 1001
    [message] = drain(reg1)
    trn = message.res("c:trnData")
    assert trn.findtext("c:id", namespaces=NS) == handle
    assert trn.findtext("c:reID", namespaces=NS) == "reg2"
    assert reg1.command(f'<transfer op="approve"><c:transfer><c:id>{handle}</c:id>'
                        "</c:transfer></transfer>").code == 1000
    [approved] = drain(reg2)
    assert approved.res("c:trnData").findtext("c:trStatus", namespaces=NS) == \
        "clientApproved"


def test_low_balance_message_is_text_only(world, reg1):
    def threshold(ctx, value):
        registrar = ctx.session.scalars(select(Registrar).where(Registrar.clid == "reg1")).one()
        registrar.low_balance_threshold = value
        registrar.low_balance_notified = False

    world.registry.run(lambda ctx: threshold(ctx, 10**9))
    try:
        assert create(reg1, fresh()).code == 1000
        [message] = drain(reg1)
        assert "Low account balance" in message.msg_queue.findtext("e:msg", namespaces=NS)
        assert message.find("e:response/e:resData") is None
        assert message.find("e:response/e:extension") is None
    finally:
        world.registry.run(lambda ctx: threshold(ctx, None))


def test_unhandled_namespaces_go_to_ext_value(world, reg1):
    """RFC 9038: a client that did not log in with changePoll (or with the contact
    mapping) still gets the message, with that data in <extValue>."""
    name = fresh()
    assert create(reg1, name).code == 1000
    world.reach_expiry(name)
    assert info(reg1, name).code == 1000
    with world.session("reg1", objects=(NS["d"],),
                       extensions=tuple(e for e in EXTENSIONS if e != NS["cp"])) as plain:
        message = plain.command(POLL)
        assert message.code == 1301
        assert message.res("d:renData") is not None
        assert message.find("e:response/e:extension") is None
        [ext_value] = message.findall("e:response/e:result/e:extValue")
        assert ext_value.find("e:value/cp:changeData", NS) is not None
        assert ext_value.findtext("e:reason", namespaces=NS) == CHANGE_POLL_REASON
        assert ack(plain, message.msg_queue.get("id")).code == 1000
    handle = f"cu{fresh()[:10].replace('-', '')}"
    assert reg1.command(
        f"<create><c:create><c:id>{handle}</c:id><c:postalInfo type=\"loc\"><c:name>A B"
        "</c:name><c:addr><c:city>Paris</c:city><c:cc>FR</c:cc></c:addr></c:postalInfo>"
        f"<c:email>ab@example.com</c:email><c:authInfo><c:pw>{STRONG}</c:pw></c:authInfo>"
        "</c:create></create>").code == 1000
    with world.session("reg2") as reg2:
        assert reg2.command(f'<transfer op="request"><c:transfer><c:id>{handle}</c:id>'
                            f"<c:authInfo><c:pw>{STRONG}</c:pw></c:authInfo></c:transfer>"
                            "</transfer>").code == 1001
    with world.session("reg1", objects=(NS["d"],), extensions=()) as plain:
        message = plain.command(POLL)
        assert message.code == 1301
        assert message.find("e:response/e:resData") is None
        [ext_value] = message.findall("e:response/e:result/e:extValue")
        assert ext_value.findtext("e:value/c:trnData/c:id", namespaces=NS) == handle
        assert ext_value.findtext("e:reason", namespaces=NS) == \
            f"{NS['c']} not in login services"
        assert ack(plain, message.msg_queue.get("id")).code == 1000
