"""An upstream that cannot be reached: the site still searches and sells its own TLDs, the
upstream's names show why they cannot be had, and nobody pays for them."""

from __future__ import annotations

import pytest

from registrar.errors import InvalidInput
from registrar.upstreams import UpstreamSpec, add
from tests.registrar.conftest import core, database, funded_user, world  # noqa: F401
from tests.zonegen.zonegen_helpers import free_port


def test_an_upstream_away(core, world, tmp_path):  # noqa: F811
    pem = tmp_path / "nothing.pem"
    pem.write_text("no certificate here\n")
    spec = UpstreamSpec("far", "127.0.0.1", free_port(), str(pem), str(pem), str(pem),
                        "ourclid", "password1", ("far",))
    core.tx(lambda ctx: add(ctx, spec, core.currency))
    try:
        assert core.tlds() == ("example", "test", "far")
        found = {r.name: r for r in core.search("shop")}
        assert found["shop.example"].available and found["shop.test"].available
        far = found["shop.far"]
        assert not far.available and far.prices == {}
        assert far.reason.startswith("the registry of far cannot be reached now (cannot log "
                                     "in to far: "), far.reason
        user = funded_user(core, world)
        with pytest.raises(InvalidInput) as refused:
            core.place_order(user.id, [{"name": "shop.test"}, {"name": "shop.far"}])
        assert "shop.far cannot be registered: the registry of far" in refused.value.detail
        assert core.me(user.id).balance.amount == 100_000
        assert core.orders(user.id) == []
        # the local TLD alone still sells
        order = core.place_order(user.id, [{"name": "shop.test"}])
        assert order.status == "done" and order.items[0].status == "done"
    finally:
        core.close()
