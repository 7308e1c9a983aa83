"""The console's core: roles, the mandatory second factor, the audit log's before and after
written with the change, and refusals that change nothing (not even the audit log)."""

from __future__ import annotations

import pytest

from registrar.errors import Conflict, Forbidden, InvalidInput, NotFound
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_delete import DomainDelete
from registry.models import Domain
from tests.console.conftest import audit_rows, make_operator, user_row


def test_an_operator_without_a_second_factor_can_do_nothing(console, core, world):
    who = make_operator(core, world, "new@registry.test", "superuser", two_factor=False)
    for attempt in (lambda: console.tlds(who), lambda: console.whoami(who),
                    lambda: console.add_tld(who, "shop", {})):
        with pytest.raises(Forbidden, match="two-factor"):
            attempt()
    assert [t.name for t in console.tlds(make_operator(
        core, world, "other@registry.test", "readonly"))] == ["example", "test"]
    assert audit_rows(world) == []


def test_a_site_user_is_no_operator(console, core, world):
    user = make_operator(core, world, "ann@example.net", "user")
    with pytest.raises(Forbidden, match="operators only"):
        console.registrars(user)


def test_roles_rank_readonly_operator_superuser(console, readonly, operator, superuser,
                                                world):
    assert console.whoami(readonly).role == "readonly"
    with pytest.raises(Forbidden, match="needs the operator role"):
        console.credit_registrar(readonly, "house", 100, "payment")
    with pytest.raises(Forbidden, match="needs the superuser role"):
        console.add_tld(operator, "shop", {})
    console.credit_registrar(operator, "house", 100, "wire 42")
    console.add_tld(superuser, "shop", {"max_period": "5"})
    assert [(r.action, r.actor) for r in audit_rows(world)] == [
        ("registrar.credit", "operator:ops@registry.test"),
        ("tld.add", "operator:root@registry.test")]


def test_a_tld_change_is_audited_before_and_after(console, superuser, world):
    console.add_tld(superuser, "shop", {"max_period": "5"})
    console.set_price(superuser, "shop", "create", "USD", 1200)
    console.set_policy(superuser, "shop", {"add_grace_days": "3"})
    add, price, policy = audit_rows(world)
    assert add.before is None and add.after["policy"]["max_period"] == 5
    assert add.operator_id == superuser.user_id and add.object_name == "shop"
    assert price.before["prices"] == {} and price.after["prices"] == {"USD": {"create": 1200}}
    assert (policy.before["policy"]["add_grace_days"],
            policy.after["policy"]["add_grace_days"]) == (5, 3)


def test_a_refused_change_changes_nothing_not_even_the_audit_log(console, superuser,
                                                                 operator, world):
    with pytest.raises(InvalidInput, match="max_period must be 1 to 10"):
        console.set_policy(superuser, "example", {"add_grace_days": "3", "max_period": "99"})
    assert console.tld(superuser, "example").policy["add_grace_days"] == 5
    with pytest.raises(Conflict, match="past its credit limit"):
        console.credit_registrar(operator, "house", -2_000_000, "correction")
    assert console.registrar(operator, "house")["registrar"].balance == 1_000_000
    with pytest.raises(NotFound):
        console.set_price(superuser, "nope", "create", "USD", 1)
    with pytest.raises(InvalidInput, match="reason"):
        console.credit_registrar(operator, "house", 100, "")
    assert audit_rows(world) == []


def test_credit_and_debit_with_a_reason_reach_the_ledger(console, operator, world):
    console.credit_registrar(operator, "house", 5000, "wire 42")
    console.credit_registrar(operator, "house", -2000, "refund of wire 42")
    view = console.registrar(operator, "house")
    assert view["registrar"].balance == 1_003_000
    assert [(e.amount, e.description) for e in view["ledger"][:2]] == [
        (-2000, "refund of wire 42"), (5000, "wire 42")]
    debit = audit_rows(world)[-1]
    assert debit.action == "registrar.debit" and debit.reason == "refund of wire 42"
    assert (debit.before["balance"], debit.after["balance"]) == (1_005_000, 1_003_000)


def test_premium_rules_and_the_tester(console, superuser):
    console.add_premium(superuser, "example", {"pattern": "^(.|..)$", "regex": True,
                                               "prices": {"create": 50000}})
    console.add_premium(superuser, "example", {"pattern": "Shop", "class_name": "gold",
                                               "prices": {"create": 90000, "renew": 90000}})
    short = console.premium_test(superuser, "example", "ab", "USD")
    assert short.rule.pattern == "^(.|..)$" and short.prices["create"] == 50000
    assert short.price_class["renew"] == "standard"
    named = console.premium_test(superuser, "example", "shop.example", "USD")
    assert named.rule.class_name == "gold" and named.prices["renew"] == 90000
    plain = console.premium_test(superuser, "example", "ordinary", "USD")
    assert plain.rule is None and plain.price_class["create"] == "standard"
    rule_id = short.rule.id
    console.remove_premium(superuser, "example", rule_id)
    assert console.premium_test(superuser, "example", "ab", "USD").rule is None


def test_reserved_names(console, superuser, world):
    console.add_reserved(superuser, "example", "nic", "Registry operations")
    assert ("nic", "Registry operations") in console.tld(superuser, "example").reserved
    with pytest.raises(Conflict):
        console.add_reserved(superuser, "example", "nic", "again")
    console.remove_reserved(superuser, "example", "nic")
    rows = audit_rows(world)
    assert [(r.object_name, r.before, r.after) for r in rows] == [
        ("nic.example", None, {"label": "nic", "reason": "Registry operations"}),
        ("nic.example", {"label": "nic", "reason": "Registry operations"}, None)]


def test_a_server_hold_goes_through_the_update_flow(console, operator, world):
    alice = world.add_registrar("alice")
    world.run(DomainCreate("held.example", authinfo="Str0ng-Auth-Info!x9-Qz7#Lp2"), alice)
    detail = console.set_server_statuses(operator, "held.example", ["serverHold"], [],
                                         "abuse report 7")
    assert "serverHold" in detail["info"].statuses
    assert detail["history"][0].command == "domain_update"
    assert detail["history"][0].actor == "operator:ops@registry.test"
    row = audit_rows(world)[-1]
    assert "serverHold" not in row.before["statuses"] and "serverHold" in row.after["statuses"]
    assert [d.name for d in console.domains(operator, status="serverHold")] == ["held.example"]
    with pytest.raises(InvalidInput, match="not a server status"):
        console.set_server_statuses(operator, "held.example", ["clientHold"], [])
    with pytest.raises(InvalidInput, match="already has status"):
        console.set_server_statuses(operator, "held.example", ["serverHold"], [])
    assert len(audit_rows(world)) == 1


def test_restore_for_the_sponsor(console, operator, world):
    alice = world.add_registrar("alice")
    world.run(DomainCreate("gone.example", authinfo="Str0ng-Auth-Info!x9-Qz7#Lp2"), alice)
    world.clock.advance(days=10)  # past add grace: the delete goes to redemption
    world.run(DomainDelete("gone.example"), alice)
    console.restore(operator, "gone.example", "registrant's request, ticket 9")
    state = world.registry.read(lambda s: s.query(Domain.state).filter(
        Domain.name == "gone.example").scalar())
    assert state == "active"
    ledger = console.registrar(operator, "alice")["ledger"]
    assert ledger[0].kind == "restore"


def test_users_lock_reset_two_factor_and_roles(console, core, operator, superuser, world):
    from tests.registrar.conftest import PASSWORD
    ann = make_operator(core, world, "ann@example.net", "user")
    assert [u.email for u in console.users(operator, "ann@")] == ["ann@example.net"]
    assert [u.id for u in console.users(operator, f"#{ann.user_id}")] == [ann.user_id]
    console.lock_user(operator, ann.user_id, True, "fraud check")
    with pytest.raises(Exception, match="wrong email address or password"):
        core.login("ann@example.net", PASSWORD)
    console.lock_user(operator, ann.user_id, False)
    assert core.login("ann@example.net", PASSWORD).needs_second_factor
    console.reset_two_factor(operator, ann.user_id, "lost phone, id checked")
    assert user_row(world, ann.user_id).totp_enabled_at is None
    with pytest.raises(Forbidden, match="superuser"):
        console.set_role(operator, ann.user_id, "readonly")
    console.set_role(superuser, ann.user_id, "readonly")
    with pytest.raises(Conflict, match="own role"):
        console.set_role(superuser, superuser.user_id, "user")
    actions = [(r.action, r.before["status"], r.after["status"]) for r in audit_rows(world)]
    assert actions[:2] == [("user.lock", "active", "locked"),
                           ("user.unlock", "locked", "active")]
    assert [r.action for r in audit_rows(world)][2:] == ["user.2fa_reset", "user.role"]
    mails = console.user(operator, ann.user_id)["mails"]
    assert "two_factor_changed" in [m.template for m in mails]


def test_funds_and_the_audit_log_view(console, core, operator, world):
    ann = make_operator(core, world, "ann@example.net", "user")
    console.add_funds(operator, ann.user_id, 2500, "goodwill")
    entry = console.audit(operator, object_type="user")[0]
    assert (entry.action, entry.before["balance"], entry.after["balance"]) == (
        "user.funds", 0, 2500)
    with pytest.raises(InvalidInput):
        console.add_funds(operator, ann.user_id, -5, "no")


def test_quick_search_finds_each_kind(console, core, operator, world):
    alice = world.add_registrar("alice")
    world.run(DomainCreate("alicesite.example", authinfo="Str0ng-Auth-Info!x9-Qz7#Lp2"), alice)
    make_operator(core, world, "alice@example.net", "user")
    kinds = {h.kind for h in console.search(operator, "alice")}
    assert kinds == {"registrar", "domain", "user"}
    assert [h.key for h in console.search(operator, "exam") if h.kind == "tld"] == ["example"]


def test_the_first_superuser_comes_from_the_command_line(console, core, world):
    ann = make_operator(core, world, "ann@example.net", "user")
    row = console.grant_role("Ann@Example.net", "superuser")
    assert row.role == "superuser"
    (entry,) = audit_rows(world)
    assert (entry.actor, entry.action, entry.after["role"]) == (
        "operator:cli", "user.role", "superuser")
    assert console.whoami(ann).role == "superuser"
    with pytest.raises(NotFound, match="register it on the site first"):
        console.grant_role("nobody@example.net", "operator")
    with pytest.raises(InvalidInput):
        console.grant_role("ann@example.net", "root")


def test_zones_say_what_the_core_knows(console, operator, world):
    from registry.admin.tlds import set_dns_settings
    from registry.models import HostedZoneStatus
    alice = world.add_registrar("alice")
    world.run(DomainCreate("zoned.example", authinfo="Str0ng-Auth-Info!x9-Qz7#Lp2"), alice)

    def setup(ctx):
        set_dns_settings(ctx, "example", {"nameservers": ["ns1.nic.example"],
                                          "dnssec": {"enabled": True, "algorithm": "ECDSA"}})
        ctx.session.add(HostedZoneStatus(zone="zoned.example", revision=3, dnssec="signing",
                                         step="keys-published", next_step_at=None,
                                         error=None, updated_at=ctx.now))
    world.task(setup)
    by_tld = {z.tld: z for z in console.zones(operator)}
    assert by_tld["example"].published and not by_tld["test"].published
    assert by_tld["example"].domains == 1 and by_tld["example"].backlog >= 1
    assert by_tld["example"].dnssec["enabled"]
    (hosted,) = console.hosted_zones(operator, problems_only=True)
    assert (hosted.zone, hosted.dnssec, hosted.step) == ("zoned.example", "signing",
                                                         "keys-published")


def test_registrars_are_configured_and_outbox_rows_replayed(console, superuser, operator,
                                                            world):
    console.add_registrar(superuser, {"clid": "newreg", "password": "Secret-pw-42",
                                      "name": "New Registrar", "credit_limit": 5000})
    fingerprint = "ab" * 32
    view = console.update_registrar(superuser, "newreg", {
        "fingerprints": [fingerprint], "networks": ["192.0.2.0/24"], "status": "suspended"})
    assert view.fingerprints == (fingerprint,) and view.networks == ("192.0.2.0/24",)
    with pytest.raises(InvalidInput, match="not an IP network"):
        console.update_registrar(superuser, "newreg", {"networks": ["nowhere"]})
    add, update = audit_rows(world)
    assert add.before is None and "password_hash" not in add.after
    assert (update.before["status"], update.after["status"]) == ("ok", "suspended")
    assert update.after["networks"] == ["192.0.2.0/24"]
    with pytest.raises(NotFound):
        console.retry_events(operator, [10**12])
    assert console.retry_dead(operator, "dns") == 0
    assert [r.action for r in audit_rows(world)][-1] == "events.retry_dead"


def test_a_refund_is_asked_of_the_provider_and_audited(core, operator, world):
    from registrar.console import OperatorConsole
    from registrar.models import SitePayment
    from tests.registrar.conftest import events
    ann = make_operator(core, world, "ann@example.net", "user")

    def paid(ctx, provider):
        payment = SitePayment(user_id=ann.user_id, provider=provider, purpose="topup",
                              amount=5000, currency="USD", status="paid",
                              provider_payment=f"{provider}-1", received=5000, reversed=0,
                              created_at=ctx.now, paid_at=ctx.now)
        ctx.session.add(payment)
        ctx.session.flush()
        return payment.id
    stripe, nowpayments = (world.task(lambda ctx, p=p: paid(ctx, p))
                           for p in ("stripe", "nowpayments"))
    console = OperatorConsole(world.registry, refundable=("stripe",))
    with pytest.raises(InvalidInput, match="own dashboard"):
        console.refund_payment(operator, nowpayments, None, "duplicate charge")
    with pytest.raises(InvalidInput, match="refund must be 1 to 5000"):
        console.refund_payment(operator, stripe, 6000, "too much")
    assert audit_rows(world) == [] and events(world, "payments") == []
    console.refund_payment(operator, stripe, 2000, "duplicate charge")
    (event,) = events(world, "payments")
    assert (event.kind, event.payload["amount"]) == ("payment.refund", 2000)
    (entry,) = audit_rows(world)
    assert (entry.action, entry.object_name) == ("payment.refund", str(stripe))
    assert "duplicate charge (refund of 2000 minor units" in entry.reason
    assert [p.id for p in console.payments(operator, ann.user_id, None)] == [nowpayments,
                                                                             stripe]
