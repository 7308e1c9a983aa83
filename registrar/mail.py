"""Mail to users leaves the transaction as an event (``mail.send``) of the outbox: a failed
request sends nothing, a crash or an SMTP outage delays a message, never loses or doubles it
(the mail consumer, registrar/mailer.py, renders and delivers it)."""

from __future__ import annotations

from registry.events.emit import emit
from registry.flows.context import FlowContext

from . import notifications
from .models import SiteMail, SiteUser

# Messages a user cannot opt out of: they are about the account's security or money.
REQUIRED = frozenset({"verify", "reset", "password_changed", "two_factor_changed",
                      "account_closed", "api_key_created"})
TEMPLATES = frozenset(REQUIRED | {
    "receipt", "order_failed", "renewal_reminder", "auto_renewed", "auto_renew_failed",
    "expired", "gifted", "gift_accepted", "transfer_in", "transfer_out",
    "transfer_out_requested", "transfer_contacts_failed", "payment_received",
    "payment_reversed", "order_not_placed"})


def send(ctx: FlowContext, user: SiteUser, template: str, **values) -> bool:
    """Queue ``template`` for ``user`` unless they opted out of it; whether it was queued."""
    if template not in TEMPLATES:
        raise ValueError(f"no mail template {template!r}")
    notifications.record(ctx, user.id, template, values)   # kept even when not mailed
    if template not in REQUIRED and template in (user.mail_opt_outs or []):
        return False
    send_to_address(ctx, user.email, template, user_id=user.id, **values)
    return True


def send_to_address(ctx: FlowContext, email: str, template: str, *, user_id: int | None = None,
                    **values) -> None:
    """Queue ``template`` for an address that may have no account (a gift's recipient)."""
    if template not in TEMPLATES:
        raise ValueError(f"no mail template {template!r}")
    ctx.session.add(SiteMail(at=ctx.now, user_id=user_id, recipient=email[:254],
                             template=template))
    emit(ctx, "mail.send", {"to": email, "user_id": user_id, "template": template,
                            "values": values})
