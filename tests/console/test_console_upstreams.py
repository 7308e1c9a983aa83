"""The console's remote registries (upstreams): each with its TLDs, the markup applied
(its own or the site's default), how the draining of its poll queue goes (as the
lifecycle records it), the order items still on their way to it and its messages; never
its password or key; operators only."""

from __future__ import annotations

import pytest

from registrar import upstreams
from registrar.console import OperatorConsole
from registrar.errors import Forbidden, NotFound
from registrar.models import SiteOrder, SiteOrderItem, SiteUpstreamMessage
from registrar.upstream_poll import polled
from registry.flows.context import Actor
from tests.console.conftest import make_operator


def define(world, tmp_path, name: str, tlds: tuple[str, ...], markup: int | None) -> None:
    """An upstream as ``pyrar upstream add`` makes it (``world``: anything with a registry)."""
    files = []
    for part in ("ca", "cert", "key"):
        (path := tmp_path / f"{name}-{part}.pem").write_text("not read here")
        files.append(str(path))
    spec = upstreams.UpstreamSpec(name, "127.0.0.1", 700, *files, clid="site1",
                                  password="S3cret-pw", tlds=tlds, markup_percent=markup)
    world.registry.run(lambda ctx: upstreams.add(ctx, spec, "USD"), Actor.operator("t"))


def order(world, user_id: int, *items: tuple[str, str, str]) -> int:
    """A paid order of (operation, name, status) items."""
    def work(ctx):
        row = SiteOrder(user_id=user_id, status="paid", total=0, currency="USD",
                        created_at=ctx.now)
        ctx.session.add(row)
        ctx.session.flush()
        for operation, name, status in items:
            ctx.session.add(SiteOrderItem(
                order_id=row.id, operation=operation, domain=name, years=1, price=0, cost=0,
                status=status, submitted_at=ctx.now if status == "submitted" else None))
        return row.id
    return world.registry.run(work, Actor.operator("t"))


def run(world, work) -> None:
    world.registry.run(work, Actor.operator("t"))


def test_the_upstreams_page_says_how_each_one_goes(core, world, tmp_path):
    console = OperatorConsole(world.registry, default_markup=15)
    auditor = make_operator(core, world, "auditor@registry.test", "readonly")
    define(world, tmp_path, "far", ("far", "far2"), None)
    define(world, tmp_path, "near", ("near",), 30)
    user = make_operator(core, world, "ann@example.net", "user")
    waiting = order(world, user.user_id, ("create", "a.far", "submitted"),
                    ("renew", "b.far2", "pending"), ("create", "c.example", "pending"),
                    ("create", "d.near", "done"))
    order(world, user.user_id, ("create", "e.far", "done"))
    run(world, lambda ctx: polled(ctx, "far", "cannot log in to far: connection refused"))
    run(world, lambda ctx: ctx.session.add_all([
        SiteUpstreamMessage(upstream="far", msg_id=str(i), received_at=ctx.now,
                            summary=f"transfer of a{i}.far: clientApproved")
        for i in (1, 2)]))

    far, near = console.upstreams(auditor)
    assert (far.upstream.name, far.upstream.tlds, far.state) == (
        "far", ("far", "far2"), "failing")
    assert "connection refused" in far.poll_error and far.polled_at is not None
    assert (far.markup_percent, far.markup_is_default) == (15, True)
    assert [(p.order_id, p.name, p.operation, p.status) for p in far.pending] == [
        (waiting, "a.far", "create", "submitted"), (waiting, "b.far2", "renew", "pending")]
    assert far.messages == 2 and far.last_message_at is not None
    assert (near.state, near.markup_percent, near.markup_is_default, near.pending) == (
        "not polled yet", 30, False, ())
    assert "S3cret-pw" not in repr(far) and "key.pem" not in repr(far)

    run(world, lambda ctx: polled(ctx, "far", None))
    detail = console.upstream(auditor, "far")
    assert detail["status"].state == "polling" and detail["status"].poll_error is None
    assert [m.msg_id for m in detail["messages"]] == ["2", "1"]
    assert [h.key for h in console.search(auditor, "far") if h.kind == "upstream"] == ["far"]
    with pytest.raises(NotFound):
        console.upstream(auditor, "nowhere")
    with pytest.raises(Forbidden):
        console.upstreams(user)
