"""The registrar as its callers (the JSON API, the CLI, the scheduler) see it: one method
per thing a user does, each one transaction of the registry's (``Registry.run``) acting as
the house registrar, so that the registry's flows the local backend runs share it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import select

from registry.db import ReadOnlyViolation
from registry.errors import EppError
from registry.flows.context import Actor, FlowContext
from registry.models import Registrar
from registry.service import Registry
from registry.values import Trid

from . import (
    accounts,
    api_keys,
    contacts,
    domains,
    gifts,
    hosted_dns,
    ledger,
    lifecycle,
    notifications,
    orders,
    remote_orders,
    search,
    sessions,
    two_factor,
    upstream_contacts,
    upstream_poll,
)
from .backends.base import Backend
from .backends.local import LocalRegistry
from .backends.router import Router
from .config import RegistrarSettings
from .errors import InvalidInput, NotAuthenticated, NotFound, Unavailable, from_registry
from .models import SiteUser
from .passwords import Passwords
from .reconcile import Reconciler
from .secret_box import SecretBox
from .sessions import NewSession
from .upstreams import UpstreamSet
from .views import LedgerView, Money, OrderView, Principal, UserView

T = TypeVar("T")


class RegistrarCore:
    def __init__(self, registry: Registry, settings: RegistrarSettings | None = None,
                 backend: Backend | None = None, passwords: Passwords | None = None,
                 hosting_nameservers: tuple[str, ...] = (),
                 secrets: SecretBox | None = None) -> None:
        self.registry = registry
        # the registry's DNS hosting (zonegen's [powerdns] hosted_nameservers); none: no
        # hosted DNS for users' names
        self.hosting_nameservers = tuple(hosting_nameservers)
        self.settings = settings or RegistrarSettings()
        self.passwords = passwords or Passwords(self.settings)
        self._secrets = secrets
        self._actor: Actor | None = None
        self._backend = backend
        self._order_locks = remote_orders.OrderLocks()
        self._reconciler = Reconciler(self.settings.reconcile_hours)
        self.upstreams = UpstreamSet(self.settings.upstream_price_seconds,
                                     config_overrides=self.settings.upstream_timeouts())

    # -- plumbing ---------------------------------------------------------------------

    @property
    def actor(self) -> Actor:
        """The house registrar, as the registry knows it."""
        if self._actor is None:
            clid = self.settings.house_clid
            found = self.registry.read(lambda s: s.execute(select(
                Registrar.id, Registrar.currency).where(Registrar.clid == clid)).first())
            if found is None:
                raise Unavailable(f"the registrar account {clid!r} ([registrar] house_clid) "
                                  "does not exist at the registry")
            self._actor = Actor.registrar(found.id, clid)
            self._currency = found.currency
        return self._actor

    @property
    def currency(self) -> str:
        self.actor  # noqa: B018 - loads it
        return self._currency

    @property
    def backend(self) -> Backend:
        """The local registry, and the upstreams for their TLDs (backends/router.py)."""
        if self._backend is None:
            self._backend = Router(LocalRegistry(self.currency,
                                                 self.registry.settings.policy_cache_seconds),
                                   self.upstreams.by_tld)
        return self._backend

    @property
    def secrets(self) -> SecretBox:
        """Seals users' TOTP secrets: the box given, else one from the settings (a relative
        key file is then relative to the working directory: ``pyrar web serve`` gives the
        box, resolved against the configuration file)."""
        if self._secrets is None:
            self._secrets = SecretBox.from_file(self.settings.secret_key_file,
                                                self.settings.secret_key)
        return self._secrets

    def close(self) -> None:
        """Log out of the upstreams."""
        self.upstreams.close()

    def tx(self, work: Callable[[FlowContext], T], command: str = "site") -> T:
        """``work`` in one transaction; a registry refusal becomes the site's error."""
        try:
            return self.registry.run(work, self.actor, command)
        except EppError as e:
            raise from_registry(e) from None

    def reads(self, work: Callable[[FlowContext], T]) -> T:
        """``work`` on a read-only session; in a transaction if it must write after all
        (a name whose lifecycle is due is settled first)."""
        actor = self.actor

        def on(session):
            return work(FlowContext(session, self.registry.clock.now(), actor, Trid(),
                                    self.registry.settings, "site_read", self.registry.policy))
        try:
            return self.registry.read(on)
        except ReadOnlyViolation:
            return self.tx(work, "site_read")
        except EppError as e:
            raise from_registry(e) from None

    def _user(self, ctx: FlowContext, user_id: int) -> SiteUser:
        user = ctx.session.get(SiteUser, user_id)
        if user is None or user.status != "active":
            raise NotFound("no such account")
        return user

    # -- accounts ---------------------------------------------------------------------

    def register(self, email: object, password: object, *, role: str = "user",
                 verified: bool = False) -> UserView:
        if not isinstance(password, str):
            raise InvalidInput("a password is needed", field="password")
        return self.tx(lambda ctx: UserView.of(accounts.register(
            ctx, self.settings, self.passwords, email, password, self.currency, role=role,
            verified=verified)), "site_register")

    def verify_email(self, token: object) -> UserView:
        return self.tx(lambda ctx: UserView.of(accounts.verify_email(ctx, token)),
                       "site_verify")

    def resend_verification(self, user_id: int) -> None:
        def work(ctx):
            user = self._user(ctx, user_id)
            if user.email_verified_at is None:
                accounts.send_verification(ctx, self.settings, user)
        self.tx(work, "site_verify_resend")

    def login(self, email: object, password: object, old_token: str | None = None
              ) -> NewSession:
        """A new session (a new token: never the one the client came with)."""
        def work(ctx):
            user = accounts.authenticate(ctx, self.passwords, email, password)
            sessions.close_session(ctx.session, old_token)
            return sessions.open_session(
                ctx.session, user.id, ctx.now, self._session_lifetime,
                needs_second_factor=user.totp_enabled_at is not None)
        return self.tx(work, "site_login")

    @property
    def _session_lifetime(self) -> timedelta:
        return timedelta(hours=self.settings.session_hours)

    def principal(self, token: str | None) -> Principal | None:
        """The user behind a session cookie, or None."""
        if not token:
            return None

        def work(ctx):
            found = sessions.find_session(ctx.session, token, ctx.now)
            if found is None:
                return None
            row, user = found
            return Principal(user.id, user.email, user.role, user.email_verified_at is not None,
                             row.csrf_token, row.needs_second_factor)
        return self.reads(work)

    def second_factor(self, token: str | None, code: object, recovery_code: object = None
                      ) -> NewSession:
        """Finish a login with a TOTP or recovery code: the half session is replaced by a
        full one (a new token)."""
        def work(ctx):
            found = sessions.find_session(ctx.session, token, ctx.now)
            if found is None or not found[0].needs_second_factor:
                raise NotAuthenticated("log in with your password first")
            user = found[1]
            two_factor.verify_second_factor(ctx, self.secrets, user, code, recovery_code)
            sessions.close_session(ctx.session, token)
            return sessions.open_session(ctx.session, user.id, ctx.now,
                                         self._session_lifetime)
        return self.tx(work, "site_login_2fa")

    def two_factor_setup(self, user_id: int) -> dict[str, str]:
        def work(ctx):
            secret, uri = two_factor.setup(ctx, self.secrets, self._user(ctx, user_id),
                                           self.settings.site_url.split("//")[-1])
            return {"secret": secret, "otpauth_uri": uri}
        return self.tx(work, "site_2fa_setup")

    def two_factor_enable(self, user_id: int, code: object) -> list[str]:
        return self.tx(lambda ctx: two_factor.enable(ctx, self.secrets,
                                                     self._user(ctx, user_id), code),
                       "site_2fa_enable")

    def two_factor_disable(self, user_id: int, password: object, code: object) -> None:
        self.tx(lambda ctx: two_factor.disable(ctx, self.secrets, self.passwords,
                                               self._user(ctx, user_id), password, code),
                "site_2fa_disable")

    def key_principal(self, key: str) -> Principal | None:
        """The user behind an API key (``Authorization: Bearer``), or None."""
        return self.tx(lambda ctx: api_keys.principal(ctx, key), "site_api_key_use")

    def create_api_key(self, user_id: int, name: object, scopes: object
                       ) -> tuple[str, api_keys.ApiKeyView]:
        return self.tx(lambda ctx: api_keys.create(ctx, self._user(ctx, user_id), name,
                                                   scopes), "site_api_key")

    def api_keys(self, user_id: int) -> list[api_keys.ApiKeyView]:
        return self.reads(lambda ctx: api_keys.listing(ctx, user_id))

    def revoke_api_key(self, user_id: int, key_id: int) -> None:
        self.tx(lambda ctx: api_keys.revoke(ctx, user_id, key_id), "site_api_key_revoke")

    def logout(self, token: str | None) -> None:
        self.tx(lambda ctx: sessions.close_session(ctx.session, token), "site_logout")

    def me(self, user_id: int) -> UserView:
        return self.reads(lambda ctx: UserView.of(self._user(ctx, user_id)))

    def change_password(self, user_id: int, old: object, new: object,
                        keep_session: str | None) -> None:
        if not isinstance(old, str) or not isinstance(new, str):
            raise InvalidInput("current_password and new_password are needed",
                               field="new_password")
        self.tx(lambda ctx: accounts.change_password(
            ctx, self.passwords, self._user(ctx, user_id), old, new, keep_session),
            "site_password")

    def request_reset(self, email: object) -> None:
        self.tx(lambda ctx: accounts.request_reset(ctx, self.settings, email), "site_reset")

    def reset_password(self, token: object, new: object) -> None:
        if not isinstance(new, str):
            raise InvalidInput("a new password is needed", field="password")
        self.tx(lambda ctx: accounts.reset_password(ctx, self.passwords, token, new),
                "site_reset_password")

    def set_mail_opt_outs(self, user_id: int, opt_outs: object) -> UserView:
        def work(ctx):
            user = self._user(ctx, user_id)
            accounts.set_mail_opt_outs(user, opt_outs)
            return UserView.of(user)
        return self.tx(work, "site_mail_prefs")

    def set_contact(self, user_id: int, details: object) -> UserView:
        """The registrant details sent with every name the user registers from now on."""
        def work(ctx):
            user = self._user(ctx, user_id)
            contacts.save(ctx, self.backend, user, details)
            return UserView.of(user)
        return self.tx(work, "site_contact")

    def close_account(self, user_id: int, password: object) -> None:
        if not isinstance(password, str):
            raise InvalidInput("the password is needed to close the account", field="password")
        self.tx(lambda ctx: accounts.close_account(
            ctx, self.passwords, self._user(ctx, user_id), password), "site_close")

    # -- money ------------------------------------------------------------------------

    def add_funds(self, user_id: int, amount: int, description: str) -> Money:
        """An operator's credit, or a payment provider's once verified."""
        if type(amount) is not int or amount <= 0:
            raise InvalidInput("the amount must be a positive number of minor units",
                               field="amount")

        def work(ctx):
            self._user(ctx, user_id)
            entry = ledger.credit(ctx.session, user_id, amount, ctx.now, "payment",
                                  description)
            return Money(entry.balance_after, entry.currency)
        return self.tx(work, "site_funds")

    def notifications(self, user_id: int, unread_only: bool = False
                      ) -> tuple[list[notifications.NotificationView], int]:
        """The newest notifications and the unread count."""
        return self.reads(lambda ctx: notifications.listing(ctx, user_id, unread_only))

    def mark_notifications_read(self, user_id: int, ids: object, everything: object) -> int:
        return self.tx(lambda ctx: notifications.mark_read(ctx, user_id, ids, everything),
                       "site_notifications_read")

    def ledger(self, user_id: int, limit: int = 100) -> list[LedgerView]:
        return self.reads(lambda ctx: [LedgerView.of(e) for e in ledger.entries(
            ctx.session, user_id, limit)])

    # -- search and orders ------------------------------------------------------------

    def tlds(self) -> tuple[str, ...]:
        return self.reads(lambda ctx: self.backend.tlds(ctx))

    def search(self, query: object, tlds: list[str] | None = None
               ) -> list[search.SearchResult]:
        def work(ctx):
            names = search.candidates(ctx, self.backend, query, tlds,
                                      self.settings.search_max_tlds)
            return search.search(ctx, self.backend, names, self.settings.markup_percent)
        return self.reads(work)

    def place_order(self, user_id: int, items: object) -> OrderView:
        """Pay for a cart, then carry it out at once; the orders consumer finishes it if
        this process dies in between."""
        cart = orders.parse_cart(items)
        order_id = self.tx(lambda ctx: orders.place(
            ctx, self.backend, self._user(ctx, user_id), cart,
            self.settings.markup_percent).id, "site_order")
        self.process_order(order_id)
        return self.order(user_id, order_id)

    def process_order(self, order_id: int) -> None:
        """The local registry's items in one transaction, then each remote one submitted,
        sent and settled (remote_orders.py)."""
        with self._order_locks.holding(order_id):
            self.tx(lambda ctx: orders.process(ctx, self.backend, order_id),
                    "site_order_process")
            remote_orders.carry_out(self.tx, self.backend, order_id)

    def order(self, user_id: int, order_id: int) -> OrderView:
        def work(ctx):
            order = ctx.session.get(orders.SiteOrder, order_id)
            if order is None or order.user_id != user_id:
                raise NotFound(f"no order {order_id}")
            return OrderView.of(order, orders.items_of(ctx, order_id))
        return self.reads(work)

    def orders(self, user_id: int) -> list[OrderView]:
        return self.reads(lambda ctx: [OrderView.of(o, orders.items_of(ctx, o.id))
                                       for o in orders.orders_of(ctx, user_id)])

    # -- the names a user holds -------------------------------------------------------

    def domains(self, user_id: int) -> list[domains.DomainSummary]:
        return self.reads(lambda ctx: domains.summaries(ctx, user_id))

    def domain(self, user_id: int, name: object) -> domains.DomainDetail:
        return self.reads(lambda ctx: domains.detail(ctx, self.backend, user_id, name))

    def set_nameservers(self, user_id: int, name: object, servers: object
                        ) -> domains.DomainDetail:
        return self._change(user_id, name, lambda ctx: domains.set_nameservers(
            ctx, self.backend, user_id, name, servers))

    def set_locks(self, user_id: int, name: object, locks: object) -> domains.DomainDetail:
        return self._change(user_id, name, lambda ctx: domains.set_locks(
            ctx, self.backend, user_id, name, locks))

    def change_ds(self, user_id: int, name: object, add: object, remove: object
                  ) -> domains.DomainDetail:
        return self._change(user_id, name, lambda ctx: domains.change_ds(
            ctx, self.backend, user_id, name, add, remove))

    def set_auto_renew(self, user_id: int, name: object, on: object) -> domains.DomainDetail:
        return self._change(user_id, name, lambda ctx: domains.set_auto_renew(
            ctx, self.backend, user_id, name, on))

    def reset_auth_code(self, user_id: int, name: object) -> str:
        return self.tx(lambda ctx: domains.reset_auth_code(ctx, self.backend, user_id, name),
                       "site_auth_code")

    def answer_transfer(self, user_id: int, name: object, approve: object) -> None:
        self.tx(lambda ctx: domains.answer_transfer(ctx, self.backend, user_id, name, approve),
                "site_transfer_answer")

    def give(self, user_id: int, name: object, recipient: object) -> None:
        self.tx(lambda ctx: gifts.offer(ctx, self.settings, self._user(ctx, user_id), name,
                                        recipient), "site_gift")

    def accept_gift(self, user_id: int, token: object) -> str:
        return self.tx(lambda ctx: gifts.accept(ctx, self.backend, self._user(ctx, user_id),
                                                token), "site_gift_accept")

    def run_lifecycle(self) -> lifecycle.Report:
        """The registry's messages, reminders and auto-renewals due now (lifecycle.py)."""
        report = lifecycle.Report()
        report.messages = self.tx(lambda ctx: lifecycle.sync_poll(
            ctx, self.backend, self.settings), "site_poll")
        report.messages += upstream_poll.sync(self.tx, self.backend, self.upstreams,
                                              self.settings)
        report.settled = remote_orders.settle_stale(self.tx, self.backend)
        report.contacts = upstream_contacts.adopt_due(self.tx, self.backend)
        report.drifts = self._reconciler.run_if_due(self.tx, self.upstreams)
        report.reminders = self.tx(lambda ctx: lifecycle.remind(ctx, self.settings),
                                   "site_reminders")
        report.renewed, report.failed = self.tx(lambda ctx: lifecycle.auto_renew(
            ctx, self.backend, self.settings), "site_auto_renew")
        remote = remote_orders.auto_renew(self.tx, self.backend, self.settings,
                                          self.process_order)
        report.renewed, report.failed = report.renewed + remote[0], report.failed + remote[1]
        self.tx(lambda ctx: sessions.purge_expired(ctx.session, ctx.now), "site_sessions_purge")
        return report

    def release(self, user_id: int, name: object) -> None:
        self.tx(lambda ctx: domains.release(ctx, self.backend, user_id, name), "site_release")

    # -- hosted DNS (hosted_dns.py) ---------------------------------------------------

    def hosted_zone(self, user_id: int, name: object) -> hosted_dns.HostedZoneView:
        return self.reads(lambda ctx: hosted_dns.view(
            ctx, self.backend, user_id, name, self.hosting_nameservers))

    def enable_hosting(self, user_id: int, name: object) -> hosted_dns.HostedZoneView:
        return self._hosted(user_id, name, lambda ctx: hosted_dns.enable(
            ctx, self.backend, user_id, name, self.hosting_nameservers))

    def set_hosted_records(self, user_id: int, name: object, records: object
                           ) -> hosted_dns.HostedZoneView:
        return self._hosted(user_id, name, lambda ctx: hosted_dns.replace_records(
            ctx, user_id, name, records, self.hosting_nameservers))

    def sign_hosted(self, user_id: int, name: object, signed: object
                    ) -> hosted_dns.HostedZoneView:
        return self._hosted(user_id, name, lambda ctx: hosted_dns.set_signed(
            ctx, user_id, name, signed, self.hosting_nameservers))

    def disable_hosting(self, user_id: int, name: object) -> None:
        self.tx(lambda ctx: hosted_dns.disable(ctx, self.backend, user_id, name,
                                               self.hosting_nameservers), "site_hosting")

    def _hosted(self, user_id: int, name: object, work: Callable[[FlowContext], None]
                ) -> hosted_dns.HostedZoneView:
        def in_tx(ctx):
            work(ctx)
            return hosted_dns.view(ctx, self.backend, user_id, name, self.hosting_nameservers)
        return self.tx(in_tx, "site_hosting")

    def _change(self, user_id: int, name: object, work: Callable[[FlowContext], None]
                ) -> domains.DomainDetail:
        def in_tx(ctx):
            work(ctx)
            return domains.detail(ctx, self.backend, user_id, name)
        return self.tx(in_tx, "site_domain_update")
