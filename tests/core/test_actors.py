"""Who may run what: every flow, run by each kind of actor.

For every command in registry/flows/dispatch.py FLOWS, the table below says what a registrar
gets where only an operator may act (or, for flows with nothing privileged, where the
registrar's limits lie) and what an operator gets. Users (a registrar site's registrants) and
clients not logged in get 2201 for every command but login, before anything is read; and the
flows refuse a user on their own too (run without that check), so that no actor gets an
operator's rights for lacking a registrar id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from registry.errors import AuthorizationError, EppError
from registry.flows.balance_info import BalanceInfoQuery
from registry.flows.claims_check import ClaimsCheck
from registry.flows.contact_check import ContactCheck
from registry.flows.contact_create import ContactCreate
from registry.flows.contact_delete import ContactDelete
from registry.flows.contact_info import ContactInfoQuery
from registry.flows.contact_transfer import (
    ContactTransferApprove,
    ContactTransferCancel,
    ContactTransferQuery,
    ContactTransferReject,
    ContactTransferRequest,
)
from registry.flows.contact_update import ContactUpdate
from registry.flows.context import Actor, ActorKind, FlowContext
from registry.flows.dispatch import FLOWS
from registry.flows.domain_check import DomainCheck
from registry.flows.domain_create import DomainCreate
from registry.flows.domain_delete import DomainDelete
from registry.flows.domain_info import DomainInfoQuery
from registry.flows.domain_renew import DomainRenew
from registry.flows.domain_restore import DomainRestoreReport, DomainRestoreRequest
from registry.flows.domain_transfer import (
    DomainTransferApprove,
    DomainTransferCancel,
    DomainTransferQuery,
    DomainTransferReject,
    DomainTransferRequest,
)
from registry.flows.domain_update import DomainUpdate
from registry.flows.fees import FeeQuery
from registry.flows.host_check import HostCheck
from registry.flows.host_create import HostCreate
from registry.flows.host_delete import HostDelete
from registry.flows.host_info import HostInfoQuery
from registry.flows.host_update import HostUpdate
from registry.flows.launch_application import (
    ApplicationDelete,
    ApplicationInfoQuery,
    ApplicationRef,
    ApplicationUpdate,
)
from registry.flows.poll_messages import PollAck, PollRequest
from registry.flows.session_login import Login
from registry.launch.create import LaunchCreate
from registry.launch.phases import set_phase
from registry.values import HostAddress, Response, Trid
from tests.core.db_state import dump, refused
from tests.core.objects import EMAIL, POSTAL, make_contact, make_domain, make_host
from tests.core.world import STRONG, World
from tests.sql_log import statements

OPERATOR = Actor.operator("test")
OUTSIDERS = [Actor.user(7), Actor.client("alice")]
DOMAIN, HOST, CONTACT = "foo.example", "ns1.foo.example", "sh8013"
APPLIED = "applied.example"


@dataclass
class Scene:
    """alice sponsors everything; bob and carol are other registrars."""

    world: World
    alice: Actor
    bob: Actor
    carol: Actor

    def domain(self) -> str:
        return make_domain(self.world, self.alice, DOMAIN)

    def host(self) -> str:
        self.domain()
        return make_host(self.world, self.alice, HOST, "192.0.2.1")

    def contact(self) -> str:
        return make_contact(self.world, self.alice, CONTACT)

    def domain_transfer(self) -> str:
        """alice's domain, which bob asked to transfer."""
        self.domain()
        self.world.clock.advance(days=20)
        self.world.run(DomainTransferRequest(DOMAIN, STRONG), self.bob)
        return DOMAIN

    def contact_transfer(self) -> str:
        self.contact()
        self.world.run(ContactTransferRequest(CONTACT, STRONG), self.bob)
        return CONTACT

    def redemption(self) -> str:
        """alice's domain, deleted after its add grace period."""
        self.domain()
        self.world.clock.advance(days=10)
        self.world.run(DomainDelete(DOMAIN), self.alice)
        return DOMAIN

    def pending_restore(self) -> str:
        self.redemption()
        self.world.run(DomainRestoreRequest(DOMAIN), self.alice)
        return DOMAIN

    def application(self) -> ApplicationRef:
        """alice's pending application for APPLIED, in a landrush that takes applications."""
        now = self.world.clock.now()
        self.world.task(lambda ctx: set_phase(ctx, "example", "landrush", now - timedelta(
            days=1), now + timedelta(days=10), applications=True))
        created = self.world.run(DomainCreate(
            APPLIED, registrant=self.contact(), authinfo=STRONG,
            launch=LaunchCreate("landrush", kind="application")), self.alice)
        return ApplicationRef("landrush", created.result.application.application_id)

    def alices_message(self) -> str:
        """The id of a poll message in alice's queue (bob's transfer request)."""
        self.domain_transfer()
        return str(self.world.run(PollRequest(), self.alice).result.message.id)


@dataclass(frozen=True)
class Case:
    """A command (built on a scene) and the result code each kind of actor gets."""

    command: Callable[[Scene], Any]
    registrar: str  # which registrar runs it: "alice" (the sponsor), "bob" or "carol"
    registrar_code: int
    operator_code: int


def _report(s: Scene) -> DomainRestoreReport:
    s.pending_restore()
    now = s.world.clock.now()
    return DomainRestoreReport(DOMAIN, "pre", "post", now - timedelta(days=1), now,
                               "registrant error", ("statement",))


def _renew(s: Scene) -> DomainRenew:
    s.domain()
    expiry = s.world.run(DomainInfoQuery(DOMAIN), s.alice).result.expires_at
    return DomainRenew(DOMAIN, expiry.date())


CASES: dict[type, Case] = {
    # checks are public; a fee quote is a registrar's, in its own currency only
    DomainCheck: Case(lambda s: (s.domain(), DomainCheck(
        (DOMAIN,), (FeeQuery("create"),), "EUR"))[1], "bob", 2306, 2201),
    HostCheck: Case(lambda s: HostCheck((s.host(),)), "bob", 1000, 1000),
    ContactCheck: Case(lambda s: ContactCheck((s.contact(),)), "bob", 1000, 1000),
    # full data of another's object: its authInfo, or an operator
    DomainInfoQuery: Case(lambda s: DomainInfoQuery(s.domain()), "bob", 2201, 1000),
    ContactInfoQuery: Case(lambda s: ContactInfoQuery(s.contact()), "bob", 2201, 1000),
    HostInfoQuery: Case(lambda s: HostInfoQuery(s.host()), "bob", 1000, 1000),  # public
    # creating is a registrar's, with its own contacts and under its own domains only
    DomainCreate: Case(lambda s: DomainCreate("bar.example", registrant=s.contact(),
                                              authinfo=STRONG), "bob", 2201, 2201),
    ContactCreate: Case(lambda s: ContactCreate("new-1", (POSTAL,), EMAIL, authinfo=STRONG),
                        "alice", 1000, 2201),
    HostCreate: Case(lambda s: (s.domain(), HostCreate(
        "ns2.foo.example", (HostAddress("192.0.2.2"),)))[1], "bob", 2201, 1000),
    # server statuses are an operator's, even on the registrar's own object
    DomainUpdate: Case(lambda s: DomainUpdate(s.domain(), add_statuses=("serverHold",)),
                       "alice", 2306, 1000),
    HostUpdate: Case(lambda s: HostUpdate(s.host(), add_statuses=(
        "serverUpdateProhibited",)), "alice", 2306, 1000),
    ContactUpdate: Case(lambda s: ContactUpdate(s.contact(), add_statuses=(
        "serverDeleteProhibited",)), "alice", 2306, 1000),
    # another registrar's object: an operator may act on it, a registrar may not
    DomainDelete: Case(lambda s: DomainDelete(s.domain()), "bob", 2201, 1000),
    DomainRenew: Case(_renew, "bob", 2201, 1000),
    DomainRestoreRequest: Case(lambda s: DomainRestoreRequest(s.redemption()), "bob", 2201,
                               1000),
    DomainRestoreReport: Case(_report, "bob", 2201, 1000),
    HostDelete: Case(lambda s: HostDelete(s.host()), "bob", 2201, 1000),
    ContactDelete: Case(lambda s: ContactDelete(s.contact()), "bob", 2201, 1000),
    # asking for a transfer is a registrar's, with the authInfo
    DomainTransferRequest: Case(lambda s: DomainTransferRequest(s.domain()), "bob", 2202,
                                2201),
    ContactTransferRequest: Case(lambda s: ContactTransferRequest(s.contact()), "bob", 2202,
                                 2201),
    # a transfer is seen by its parties, decided by the right side; operators may do both
    DomainTransferQuery: Case(lambda s: DomainTransferQuery(s.domain_transfer()), "carol",
                              2201, 1000),
    DomainTransferApprove: Case(lambda s: DomainTransferApprove(s.domain_transfer()), "bob",
                                2201, 1000),
    DomainTransferReject: Case(lambda s: DomainTransferReject(s.domain_transfer()), "bob",
                               2201, 1000),
    DomainTransferCancel: Case(lambda s: DomainTransferCancel(s.domain_transfer()), "alice",
                               2201, 1000),
    ContactTransferQuery: Case(lambda s: ContactTransferQuery(s.contact_transfer()), "carol",
                               2202, 1000),
    ContactTransferApprove: Case(lambda s: ContactTransferApprove(s.contact_transfer()),
                                 "bob", 2201, 1000),
    ContactTransferReject: Case(lambda s: ContactTransferReject(s.contact_transfer()), "bob",
                                2201, 1000),
    ContactTransferCancel: Case(lambda s: ContactTransferCancel(s.contact_transfer()),
                                "alice", 2201, 1000),
    # a poll queue is its registrar's alone: bob sees nothing of alice's, an operator no queue
    PollRequest: Case(lambda s: (s.alices_message(), PollRequest())[1], "bob", 1300, 2201),
    PollAck: Case(lambda s: PollAck(s.alices_message()), "bob", 2303, 2201),
    # an account is its registrar's: an operator has none
    BalanceInfoQuery: Case(lambda s: BalanceInfoQuery(), "bob", 1000, 2201),
    # an application is its applicant's (or whoever has its authInfo); operators may act on it
    ApplicationInfoQuery: Case(lambda s: ApplicationInfoQuery(APPLIED, s.application()), "bob",
                               2201, 1000),
    ApplicationUpdate: Case(lambda s: ApplicationUpdate(s.application(), DomainUpdate(
        APPLIED, add_nameservers=())), "bob", 2201, 1000),
    ApplicationDelete: Case(lambda s: ApplicationDelete(APPLIED, s.application()), "bob",
                            2201, 1000),
    # the DNL is public to registrars, as the TMCH publishes it
    ClaimsCheck: Case(lambda s: ClaimsCheck((DOMAIN,)), "bob", 1000, 1000),
}


def test_the_table_covers_every_flow():
    assert set(CASES) | {Login} == set(FLOWS)


@pytest.fixture
def scene(world, alice, bob) -> Scene:
    return Scene(world, alice, bob, world.add_registrar("carol"))


@pytest.mark.parametrize("kind", CASES, ids=lambda kind: kind.__name__)
def test_who_may_run_each_flow(scene, kind):
    case, world = CASES[kind], scene.world
    command = case.command(scene)
    registrar = getattr(scene, case.registrar)
    for outsider in OUTSIDERS:
        with statements() as sql:
            world.fails(2201, command, outsider)
        assert sql == [], f"a {outsider.kind}'s {kind.__name__} sent {sql}"  # nor changed
    runs = [(registrar, case.registrar_code), (OPERATOR, case.operator_code)]
    if case.registrar_code >= 2000 or case.operator_code >= 2000:
        # the flow itself refuses a user, whatever Registry.execute checks first
        before = dump(world.registry.db.engine)
        with pytest.raises(EppError):
            run_flow_alone(world, command, Actor.user(7))
        assert dump(world.registry.db.engine) == before
    # Refusals first: they change nothing, so the other actor meets the same state.
    for actor, code in sorted(runs, key=lambda run: run[1] < 2000):
        if code >= 2000:
            refused(world, code, command, actor)
        else:
            assert world.run(command, actor).code == code, actor.kind


def test_only_a_client_logs_in_and_only_as_what_it_claims(world, alice):
    login = Login("alice", "secret-pw-1", cert_fingerprint=f"{5:064x}", peer_ip="127.0.0.1")
    for actor in (alice, OPERATOR, Actor.system(), Actor.user(7), Actor.client("bob")):
        refused(world, 2201, login, actor)
    assert world.run(login, Actor.client("alice")).result.registrar_id == alice.registrar_id


def test_a_batch_answers_outsiders_2201_and_reads_nothing_for_them(world, alice):
    make_domain(world, alice, DOMAIN)
    check, trid = DomainCheck((DOMAIN,)), Trid.new()
    with statements() as sql:
        out = world.registry.execute_batch([(check, a, trid) for a in OUTSIDERS])
    assert [type(r) for r in out] == [AuthorizationError] * 2 and sql == []
    for may_wait in (True, False):
        out = world.registry.execute_batch(
            [(check, OUTSIDERS[0], trid), (DomainInfoQuery(DOMAIN), alice, trid),
             (check, OUTSIDERS[1], trid), (check, alice, trid)], may_wait=may_wait)
        assert [r.code for r in out] == [2201, 1000, 2201, 1000]
        assert isinstance(out[1], Response) and out[1].result.name == DOMAIN


def test_tasks_refuse_outsiders(world):
    for outsider in OUTSIDERS:
        with pytest.raises(AuthorizationError):
            world.registry.run(lambda ctx: pytest.fail("ran"), outsider)


# --- the actors themselves -----------------------------------------------------------------

@pytest.mark.parametrize(("actor", "registrar", "privileged", "on_own", "on_other"), [
    (Actor.registrar(1, "alice"), True, False, True, False),
    (Actor.operator("ops"), False, True, True, True),
    (Actor.system(), False, True, True, True),
    (Actor.user(1), False, False, False, False),
    (Actor.client("alice"), False, False, False, False),
], ids=lambda v: v.kind if isinstance(v, Actor) else None)
def test_rights_follow_from_the_kind_alone(actor, registrar, privileged, on_own, on_other):
    """Registrar 1's objects and registrar 2's, as each kind may act on them."""
    assert (actor.is_registrar, actor.is_privileged) == (registrar, privileged)
    assert (actor.may_act_on(1), actor.may_act_on(2)) == (on_own, on_other)


def test_an_actor_always_says_its_kind():
    with pytest.raises(TypeError):
        Actor("alice")  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="not a valid ActorKind"):
        Actor("wizard", "alice")  # type: ignore[arg-type]
    for kind in (ActorKind.OPERATOR, ActorKind.SYSTEM, ActorKind.USER, ActorKind.CLIENT):
        with pytest.raises(ValueError, match="cannot have a registrar_id"):
            Actor(kind, "alice", registrar_id=1, user_id=1 if kind is ActorKind.USER else None)
    with pytest.raises(ValueError, match="needs a registrar_id"):
        Actor(ActorKind.REGISTRAR, "alice")
    with pytest.raises(ValueError, match="needs a user_id"):
        Actor(ActorKind.USER, "user:")
    with pytest.raises(ValueError, match="cannot have a user_id"):
        dataclasses.replace(Actor.registrar(1, "alice"), user_id=1)


# --- helpers --------------------------------------------------------------------------------

def run_flow_alone(world: World, command, actor: Actor):
    """The command's flow in a transaction, without Registry.execute's check of the actor."""
    registry, flow = world.registry, FLOWS[type(command)]
    return registry.db.run(lambda session: flow(FlowContext(
        session, world.clock.now(), actor, Trid.new(), registry.settings, flow.__name__,
        registry.policy), command))
