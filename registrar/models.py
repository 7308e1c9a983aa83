"""The registrar's tables: site users, their tokens and sessions, their ledger, orders and the
names they hold.

They live in the registry's database (one migration chain, registry/migrations) but on a
metadata of their own: the registry's core knows nothing of the registrar. No foreign key
points into the registry's tables: a name may be held at a remote registry.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from registry.models.base import NAMING, Id, Money, UTCDateTime


class SiteBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict: JSON, list: JSON}


class SiteUser(SiteBase):
    __tablename__ = "site_users"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower-cased
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    email_verified_at: Mapped[datetime | None]
    # "user", or an operator's role: "readonly", "operator", "superuser" (operators.py)
    role: Mapped[str] = mapped_column(String(16), default="user")
    # "active", "locked" (by an operator: no login) or "closed"
    status: Mapped[str] = mapped_column(String(16), default="active")
    closed_at: Mapped[datetime | None]
    balance: Mapped[int] = mapped_column(Money, default=0)  # minor units of ``currency``
    currency: Mapped[str] = mapped_column(String(3))
    # message types the user does not want (receipts, reminders...); security mail is always sent
    mail_opt_outs: Mapped[list] = mapped_column(default=list)
    totp_secret: Mapped[str | None] = mapped_column(String(255))  # sealed: secret_box.py
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]  # the last time step used: a code works once
    # the registrant contact at the registry (contacts.py) and the details it was made from
    contact_id: Mapped[str | None] = mapped_column(String(16))
    contact: Mapped[dict | None]


class SiteToken(SiteBase):
    """Single-use secrets mailed or shown to users: email verification, password reset, gift
    acceptance, 2FA recovery codes. Only a SHA-256 of the token is stored."""

    __tablename__ = "site_tokens"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("site_users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    data: Mapped[dict] = mapped_column(default=dict)


class SiteSession(SiteBase):
    """A logged-in browser or client: the cookie holds the token, the row its SHA-256."""

    __tablename__ = "site_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("site_users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # password checked, second factor still to give: the session may only finish the login
    needs_second_factor: Mapped[bool] = mapped_column(default=False)


class SiteApiKey(SiteBase):
    """A user's key for programmatic use: its scopes, revocable."""

    __tablename__ = "site_api_keys"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("site_users.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown to tell keys apart
    scopes: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class SiteLedgerEntry(SiteBase):
    __tablename__ = "site_ledger"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("site_users.id"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(16))  # payment, order, refund, gift...
    amount: Mapped[int] = mapped_column(Money)  # signed: negative is a debit
    balance_after: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("site_orders.id"))
    description: Mapped[str] = mapped_column(String(255))

    __table_args__ = (Index("ix_site_ledger_user", "user_id", "id"),)


class SiteOrder(SiteBase):
    """A cart paid at once. ``status``: "paid" (money taken, items being carried out), then
    "done" once every item is done or failed and refunded."""

    __tablename__ = "site_orders"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("site_users.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    total: Mapped[int] = mapped_column(Money)
    refunded: Mapped[int] = mapped_column(Money, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class SiteOrderItem(SiteBase):
    """One name's operation in an order. ``status``: "pending", "done" or "failed" (then
    refunded, ``error`` says why)."""

    __tablename__ = "site_order_items"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("site_orders.id"), index=True)
    operation: Mapped[str] = mapped_column(String(16))  # create, renew, transfer, restore
    domain: Mapped[str] = mapped_column(String(253))  # A-labels
    years: Mapped[int]
    price: Mapped[int] = mapped_column(Money)  # what the user pays
    cost: Mapped[int] = mapped_column(Money)  # what the registry asked when ordered
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    # a transfer's auth code, until it is used (then cleared)
    secret: Mapped[str | None] = mapped_column(String(255))
    completed_at: Mapped[datetime | None]
    # a remote registry's item: when it was about to be sent ("submitted"), so that after a
    # crash it is settled by what the registry shows (registrar/remote_orders.py)
    submitted_at: Mapped[datetime | None]


class SiteDomain(SiteBase):
    """A name a user holds through this registrar, and at which backend."""

    __tablename__ = "site_domains"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("site_users.id"), index=True)
    name: Mapped[str] = mapped_column(String(253))
    backend: Mapped[str] = mapped_column(String(32))
    # "active"; "transfer_pending" until a transfer in is approved; "redemption" once
    # expired and deleted at the registry (restorable until it is purged)
    state: Mapped[str] = mapped_column(String(16), default="active")
    auto_renew: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    # the last renewal reminder sent (30, 14, 7 or 1 days before expiry); None after renewal
    reminded_days: Mapped[int | None]
    # when renewing from the balance last failed (tried again a day later)
    renew_failed_at: Mapped[datetime | None]
    # transferred in through an upstream: when its contacts there are (again) to be made
    # ours, None once done; and why the last try failed (registrar/upstream_contacts.py)
    contacts_due_at: Mapped[datetime | None]
    contacts_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("name", name="uq_site_domains_name"),
                      Index("ix_site_domains_due", "state", "expires_at"),
                      Index("ix_site_domains_contacts_due", "contacts_due_at"))


class SiteHostedZone(SiteBase):
    """DNS hosting for a name a user holds: the records the user wants and whether it is to
    be signed. zonegen makes PowerDNS match (events ``hosted.apply``, each carrying the whole
    wanted state and its revision) and reports back in the core's ``hosted_zone_status``."""

    __tablename__ = "site_hosted_zones"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("site_users.id"), index=True)
    name: Mapped[str] = mapped_column(String(253), unique=True)   # A-labels, no trailing dot
    # [{"name", "type", "ttl", "contents": [...]}], absolute names, validated
    records: Mapped[list] = mapped_column(default=list)
    signed: Mapped[bool] = mapped_column(default=False)
    revision: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SitePayment(SiteBase):
    """Money a user sends through a payment provider (registrar/payments/): made by us first,
    credited only from the provider's verified events. ``status``: "created" (no checkout at
    the provider yet), "pending" (the provider's checkout exists), "paid" (credited in full),
    "partial" (credited less than asked), "failed" (the provider says nothing will come),
    "refunded" (all of it taken back: refunds, disputes)."""

    __tablename__ = "site_payments"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("site_users.id"), index=True)
    provider: Mapped[str] = mapped_column(String(16))  # stripe, paypal, nowpayments
    purpose: Mapped[str] = mapped_column(String(16))  # topup, auto_renew, order
    amount: Mapped[int] = mapped_column(Money)  # asked, minor units of ``currency``
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    # the provider's checkout (PaymentIntent, PayPal order, NowPayments invoice) and, once
    # paid, what refunds and disputes name (the PaymentIntent, the capture, the payment)
    provider_ref: Mapped[str | None] = mapped_column(String(128))
    provider_payment: Mapped[str | None] = mapped_column(String(128), index=True)
    # where the user pays: the provider's page (Stripe Checkout, PayPal, NowPayments)
    checkout_url: Mapped[str | None] = mapped_column(String(1000))
    received: Mapped[int] = mapped_column(Money, default=0)  # credited so far
    reversed: Mapped[int] = mapped_column(Money, default=0)  # refunded and disputed so far
    created_at: Mapped[datetime]
    paid_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)  # why no checkout (or order) was made
    # purpose "order": the cart (JSON, as the API takes it) placed once the payment is
    # credited, and the order that placing made (payments/order_payments.py)
    cart: Mapped[str | None] = mapped_column(Text)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("site_orders.id"))

    __table_args__ = (UniqueConstraint("provider", "provider_ref",
                                       name="uq_site_payments_provider_ref"),)


class SitePaymentEvent(SiteBase):
    """A provider's verified event that moved money, once: the unique (provider, event id) is
    what makes the same event delivered twice, even at the same moment, credit once."""

    __tablename__ = "site_payment_events"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(191))
    payment_id: Mapped[int] = mapped_column(ForeignKey("site_payments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # paid, refunded, disputed, dispute_won
    amount: Mapped[int] = mapped_column(Money)  # signed change of the user's balance
    currency: Mapped[str] = mapped_column(String(3))
    received_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("provider", "event_id",
                                       name="uq_site_payment_events_event"),)


class SiteSavedCard(SiteBase):
    """A user's card saved at a provider (Stripe: a customer and its payment method), charged
    off-session when an auto-renewal finds the balance short. Card data stays at the
    provider: we keep its references only."""

    __tablename__ = "site_saved_cards"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("site_users.id"))
    provider: Mapped[str] = mapped_column(String(16))
    customer: Mapped[str] = mapped_column(String(128))
    payment_method: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("user_id", "provider",
                                       name="uq_site_saved_cards_user_provider"),)


class SiteMail(SiteBase):
    """A message queued for a user or an address (what the operators' console lists as
    emails sent): its template and recipient, never its values (links carry tokens)."""

    __tablename__ = "site_mail_log"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("site_users.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    template: Mapped[str] = mapped_column(String(32))


class SiteNotification(SiteBase):
    """A message sent to a user, kept for the site (registrar/notifications.py): its subject
    and where it leads, read or not."""

    __tablename__ = "site_notifications"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("site_users.id"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(255))
    link: Mapped[str | None] = mapped_column(String(300))
    read_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_site_notifications_user", "user_id", "id"),)


class SiteUpstream(SiteBase):
    """A registry the site sells names of over EPP (``pyrar upstream add``): how to reach it,
    the TLDs it sells through it and its pricing. The password is kept because every login
    needs it; it is never printed."""

    __tablename__ = "site_upstreams"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int]
    ca: Mapped[str] = mapped_column(String(1024))  # file paths, as the operator gave them
    cert: Mapped[str] = mapped_column(String(1024))
    key: Mapped[str] = mapped_column(String(1024))
    clid: Mapped[str] = mapped_column(String(16))
    password: Mapped[str] = mapped_column(String(255))
    tlds: Mapped[list] = mapped_column(default=list)  # A-labels
    # the site's markup on this registry's prices (None: [registrar] markup_percent)
    markup_percent: Mapped[int | None]
    # prices per operation in minor units of ``currency``, for a registry without fee-1.0
    flat_prices: Mapped[dict] = mapped_column(default=dict)
    currency: Mapped[str] = mapped_column(String(3))
    sessions: Mapped[int] = mapped_column(default=2)
    # the registry's idle timeout: a <hello> goes on a session idle half as long
    idle_timeout: Mapped[int] = mapped_column(default=600)
    # the contacts its TLDs take with a name: "registrant" (the user's), "all" (the
    # user's as registrant, admin and tech: a thick registry), "none" (minimum data set)
    contacts: Mapped[str] = mapped_column(String(16), default="registrant")
    created_at: Mapped[datetime]
    # the last drain of its poll queue (the lifecycle's), and why it failed (None: it did
    # not), for the console
    polled_at: Mapped[datetime | None]
    poll_error: Mapped[str | None] = mapped_column(Text)


class SiteUpstreamMessage(SiteBase):
    """A poll message of an upstream registry whose effect is recorded: the row is written in
    the transaction that applies it, so a message is applied once per msgID even when its
    acknowledgement is lost."""

    __tablename__ = "site_upstream_messages"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    upstream: Mapped[str] = mapped_column(String(32))
    msg_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]
    summary: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("upstream", "msg_id",
                                       name="uq_site_upstream_messages_msg"),)
