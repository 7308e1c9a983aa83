"""IDN tables per TLD: one script per label, code points per table, variants (blocked and
allocatable) bundled with their registered name; the LGR subset the tables are read from."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from registry.admin.idn_tables import idn_tables_of, load_idn_table, remove_idn_table
from registry.errors import EppError
from registry.flows.domain_check import DomainCheck
from registry.flows.domain_create import DomainCreate
from registry.idn import parse_lgr
from registry.models import Domain
from tests.core.db_state import refused
from tests.core.lgr_tables import GREEK, HAN, LATIN, lgr
from tests.core.objects import domain_info
from tests.core.world import STRONG
from tests.waiting import wait_for


def create(name: str) -> DomainCreate:
    return DomainCreate(name, authinfo=STRONG)


def checked(world, actor, *names):
    result = world.run(DomainCheck(names), actor).result
    return {n.name: (n.available, n.reason) for n in result.names}


def load(world, *tables: bytes) -> None:
    world.task(lambda ctx: [load_idn_table(ctx, "example", t) for t in tables])


@pytest.mark.parametrize("name", ["xn--pple-43d.example", "g\u03bfogle.example"])
def test_without_tables_a_label_is_of_one_script(world, alice, name):
    error = refused(world, 2306, create(name), alice)
    assert "mixes scripts" in error.reason
    assert ("Cyrillic, Latin" in error.reason) or ("Greek, Latin" in error.reason)
    (available, reason), = checked(world, alice, name).values()
    assert not available and "mixes scripts" in reason
    world.run(create("caf\u00e9.example"), alice)  # one script (and digits, hyphens)
    world.run(create("\u65e5\u672c\u306e-\u30ab\u30bf\u30ab\u30ca.example"), alice)  # Japanese


def test_tables_decide_which_code_points_a_label_may_use(world, alice):
    load(world, LATIN, GREEK)
    error = refused(world, 2306, create("xn--pple-43d.example"), alice)
    assert "U+0430 CYRILLIC SMALL LETTER A is not in any IDN table of .example" in error.reason
    error = refused(world, 2306, create("g\u03bfogle.example"), alice)
    assert "mixes scripts: no one IDN table of .example (und-Grek, und-Latn)" in error.reason
    refused(world, 2306, create("\u00fcber.example"), alice)  # ü is in no table
    world.run(create("caf\u00e9-2.example"), alice)
    world.run(create("\u03b1\u03b2\u03b3.example"), alice)


def test_a_blocked_variant_of_a_registered_name_is_refused_to_everyone(world, alice, bob):
    load(world, LATIN, GREEK)
    world.run(create("oo.example"), alice)
    greek = "\u03bf\u03bf.example"
    for actor in (alice, bob):
        error = refused(world, 2306, create(greek), actor)
        assert "blocked variant of oo.example" in error.reason
        assert checked(world, actor, greek)[greek][0] is False
    # and the other way round: the Greek name first blocks the Latin one
    world.run(create("\u03bf\u03bf\u03bf.example"), bob)
    refused(world, 2306, create("ooo.example"), alice)
    world.run(create("\u03bf\u03b1.example"), bob)  # a and alpha are no variants:
    world.run(create("oa.example"), alice)             # these two are unrelated


def test_allocatable_variants_are_bundled_with_their_sponsor(world, alice, bob):
    load(world, HAN)
    simplified, traditional = "\u4e2d\u56fd.example", "\u4e2d\u570b.example"
    world.run(create(simplified), alice)
    assert checked(world, bob, traditional)[traditional][0] is False
    error = refused(world, 2306, create(traditional), bob)
    assert "another registrar sponsors" in error.reason
    assert checked(world, alice, traditional)[traditional] == (True, None)
    world.run(create(traditional), alice)


def test_tables_are_replaced_by_tag_listed_and_removed(world, alice):
    load(world, LATIN, GREEK, HAN)
    load(world, lgr("und-Latn", '<range first-cp="0061" last-cp="007A"/>'))
    tables = world.task(lambda ctx: [(t.tag, t.version, t.ranges, t.variants)
                                     for t in idn_tables_of(ctx, "example")])
    assert [t[0] for t in tables] == ["und-Grek", "und-Hani", "und-Latn"]
    assert tables[2][2:] == ([[0x61, 0x7A]], [])
    world.task(lambda ctx: remove_idn_table(ctx, "example", "und-Hani"))
    with pytest.raises(EppError) as info:
        world.task(lambda ctx: remove_idn_table(ctx, "example", "und-Hani"))
    assert info.value.code == 2303


@pytest.mark.parametrize(("data", "message"), [
    (b"<lgr/>", "must be an <lgr>"),
    (b"not xml", "not XML"),
    (lgr("", '<char cp="0061"/>'), "needs <meta><language>"),
    (lgr("und-Latn", ""), "lists no code points"),
    (lgr("und-Latn", '<char cp="0061 0062"/>'), "sequences are not supported"),
    (lgr("und-Latn", '<char cp="zz"/>'), "'zz' is not hex"),
    (lgr("und-Latn", '<range first-cp="007A" last-cp="0061"/>'), "range ends before"),
    (lgr("und-Latn", '<char cp="0061" when="rtl"/>'), "contexts are not supported"),
    (lgr("und-Latn", '<char cp="0061"><var cp="0062" type="odd"/></char>'),
     "variant type must be one of"),
])
def test_tables_we_cannot_apply_whole_are_refused(data, message):
    with pytest.raises(EppError) as info:
        parse_lgr(data)
    assert info.value.code == 2005 and message in info.value.reason


# --- concurrent creates in one bundle: the database serializes them -------------------------

def _waiting_on_the_bundle(engine, database: str) -> bool:
    """A session of ``database`` is inside its bundle row insert (the MariaDB server is
    shared: only this database counts). The first create inserted the row already, so a
    second one still in that statement waits on the first's lock. PROCESSLIST, not
    INNODB_TRX: InnoDB refreshes that one only when it was not read for 0.1 s."""
    with engine.connect() as conn:
        return conn.exec_driver_sql(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = %s AND "
            "INFO LIKE 'INSERT INTO variant_bundles%%'", (database,)).scalar() > 0


def _race(world, first, second):
    """``first`` (command, actor) creates and holds its transaction open; ``second`` starts
    and must wait on the bundle's row; then ``first`` commits. The second's outcome."""
    from registry.flows.domain_create import domain_create

    engine = world.registry.db.engine
    created, release = threading.Event(), threading.Event()
    outcome: list[object] = []

    def hold(ctx):
        domain_create(ctx, first[0])
        created.set()
        assert release.wait(20)

    def then():
        try:
            outcome.append(world.run(*second).code)
        except EppError as e:
            outcome.append(e)

    holder = threading.Thread(target=lambda: world.task(hold, first[1]))
    holder.start()
    other = threading.Thread(target=then)
    try:
        assert created.wait(20)
        other.start()
        wait_for("the second create waits on the bundle row",
                 lambda: _waiting_on_the_bundle(engine, engine.url.database) or outcome, 20)
        assert not outcome, f"the second create did not wait: {outcome}"
    finally:
        release.set()
        holder.join()
        if other.is_alive() or other.ident:
            other.join()
    return outcome[0]


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_concurrent_creates_of_allocatable_variants_keep_one_sponsor(world, alice, bob):
    load(world, HAN)
    simplified, traditional = "\u4e2d\u56fd.example", "\u4e2d\u570b.example"
    error = _race(world, (create(simplified), alice), (create(traditional), bob))
    assert isinstance(error, EppError) and error.code == 2306, error
    assert "another registrar sponsors" in error.reason
    rows = world.task(lambda ctx: ctx.session.execute(select(Domain.name, Domain.sponsor_id)
                                                      .where(Domain.variant_key.is_not(None))
                                                      ).all())
    assert len(rows) == 1
    # the bundle's sponsor may still add the variant
    world.run(create(traditional), alice)


@pytest.mark.parametrize("database", ["mariadb"], indirect=True)
def test_concurrent_creates_of_blocked_variants_by_one_registrar(world, alice):
    load(world, LATIN, GREEK)
    error = _race(world, (create("oo.example"), alice),
                  (create("\u03bf\u03bf.example"), alice))
    assert isinstance(error, EppError) and error.code == 2306, error
    assert "blocked variant of oo.example" in error.reason


# --- idn-1.0 table selection and IDN-only TLDs (RST idn-01, idn-02) ----------------------

def test_a_create_may_choose_its_table_and_give_its_uname(world, alice):
    from registry.values import IdnChoice

    load(world, LATIN, GREEK)
    greek = "\u03b1\u03b2\u03b3.example"
    alabel = greek.encode("idna").decode()
    error = refused(world, 2306, DomainCreate(alabel, authinfo=STRONG,
                                              idn=IdnChoice("und-Latn")), alice)
    assert "U+03B1 GREEK SMALL LETTER ALPHA is not in IDN table und-Latn" in error.reason
    error = refused(world, 2306, DomainCreate(alabel, authinfo=STRONG,
                                              idn=IdnChoice("und-Cyrl")), alice)
    assert "'und-Cyrl' is not one of .example's (und-Grek, und-Latn)" in error.reason
    error = refused(world, 2306, DomainCreate(alabel, authinfo=STRONG, idn=IdnChoice(
        "und-Grek", "\u03b1\u03b2\u03b4")), alice)
    assert "is not the U-label of" in error.reason
    world.run(DomainCreate(alabel, authinfo=STRONG,
                           idn=IdnChoice("und-grek", "\u03b1\u03b2\u03b3")), alice)
    assert domain_info(world, alabel).idn_table == "und-Grek"  # the table's own tag


def test_the_table_a_name_is_registered_under_is_kept(world, alice):
    """idn-1.0's table where the client chose one, else the registry's (the first in tag
    order holding the label): what escrow's idnTableId names; none for ASCII names."""
    from registry.values import IdnChoice

    load(world, LATIN, lgr("fr", '<range first-cp="0061" last-cp="007A"/><char cp="00E9"/>'))
    world.run(DomainCreate("caf\u00e9.example", authinfo=STRONG, idn=IdnChoice("und-Latn")),
              alice)
    world.run(create("th\u00e9.example"), alice)
    world.run(create("tea.example"), alice)
    assert domain_info(world, "caf\u00e9.example").idn_table == "und-Latn"
    assert domain_info(world, "th\u00e9.example").idn_table == "fr"
    assert domain_info(world, "tea.example").idn_table is None
    stored = world.task(lambda ctx: dict(ctx.session.execute(
        select(Domain.name, Domain.idn_table)).all()))
    assert stored == {"xn--caf-dma.example": "und-Latn", "xn--th-cja.example": "fr",
                      "tea.example": None}


def test_an_idn_only_tld_refuses_ascii_labels(world, alice):
    from registry.admin.tlds import get_tld, set_policy

    world.task(lambda ctx: set_policy(get_tld(ctx, "example"), {"idn_only": True}))
    error = refused(world, 2306, create("ascii.example"), alice)
    assert ".example takes IDN labels only" in error.reason
    assert checked(world, alice, "ascii.example")["ascii.example"][0] is False
    world.run(create("caf\u00e9.example"), alice)


def test_allocatable_variants_stay_with_one_registrant(world, alice):
    """RST idn-01: a variant created with another registrant is refused, with the same
    registrant accepted."""
    from tests.core.objects import make_contact

    load(world, HAN)
    one, other = make_contact(world, alice, "holder-1"), make_contact(world, alice, "holder-2")
    simplified, traditional = "\u4e2d\u56fd.example", "\u4e2d\u570b.example"
    world.run(DomainCreate(simplified, authinfo=STRONG, registrant=one), alice)
    error = refused(world, 2306, DomainCreate(traditional, authinfo=STRONG, registrant=other),
                    alice)
    assert "which has another registrant" in error.reason
    refused(world, 2306, create(traditional), alice)  # no registrant is another one too
    world.run(DomainCreate(traditional, authinfo=STRONG, registrant=one), alice)
