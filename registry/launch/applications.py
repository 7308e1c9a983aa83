"""Launch applications (RFC 8334 3.3.5): in a phase set to take them, a create files an
application instead of registering, and the name is allocated after the phase ends.

Filing checks everything a create checks (the signed mark in sunrise, contacts, hosts,
price) and charges the create fee at once: allocation never fails for money, and an
application that loses, is rejected or is withdrawn (deleted) is refunded in full. An
application starts ``pendingAllocation`` (its mark was validated at filing) and ends
``allocated`` or ``rejected``.

Allocation rule for contended names (allocate): after the phase, a name with one pending
application goes to it; a name with several stays pending until the registry names the
winner (after the auction, or whatever its TLD policy says), and the others are rejected.
A name that was registered or reserved meanwhile rejects all its applications.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from .. import billing, poll
from ..admin.tlds import get_tld
from ..authinfo import verify_authinfo
from ..errors import (
    AuthorizationError,
    InvalidAuthorization,
    ObjectDoesNotExist,
    ObjectExists,
    ParameterPolicyError,
    StatusProhibitsOperation,
)
from ..flows.context import FlowContext
from ..models import LaunchApplication, Registrar, Tld
from ..pricing import Quote
from ..values import Charge, LaunchInfo
from .create import LaunchRecord
from .phases import running_phases

PENDING = "pendingAllocation"


@dataclass(frozen=True)
class ApplicationData:
    """The create an application stands for: links by handle and host name."""

    registrant: str | None
    contacts: tuple[tuple[str, str], ...]
    nameservers: tuple[str, ...]
    authinfo_hash: str | None


@dataclass(frozen=True)
class ApplicationFiled:
    application: LaunchApplication
    charge: Charge


def file_application(ctx: FlowContext, tld: Tld, name: str, registrar_id: int, years: int,
                     quote: Quote, launch: LaunchRecord, data: ApplicationData
                     ) -> ApplicationFiled:
    if ctx.session.scalars(select(LaunchApplication.id).where(
            LaunchApplication.name == name, LaunchApplication.status == PENDING,
            LaunchApplication.registrar_id == registrar_id)).first() is not None:
        raise ObjectExists(f"this registrar has a pending application for {name}", value=name)
    row = LaunchApplication(
        tld_id=tld.id, name=name, phase=launch.phase, custom_name=launch.custom_name,
        registrar_id=registrar_id, status=PENDING, mark_ref=launch.mark_ref, years=years,
        amount=quote.amount, authinfo_hash=data.authinfo_hash, created_at=ctx.now,
        data={"registrant": data.registrant, "contacts": [list(c) for c in data.contacts],
              "nameservers": list(data.nameservers), "lordn": launch.kind,
              "accepted_at": launch.accepted_at.isoformat() if launch.accepted_at else None,
              # the filing's ids: the poll message of its outcome names them (paTRID)
              "cltrid": ctx.trid.cltrid, "svtrid": ctx.trid.svtrid})
    ctx.session.add(row)
    ctx.session.flush()  # its id is the applicationID
    account = billing.debit(ctx, registrar_id, quote.amount, "application", name,
                            f"application {row.id} for {name} ({years} year(s))").account
    return ApplicationFiled(row, Charge((), account.balance, account.credit_limit))


def launch_info(row: LaunchApplication) -> LaunchInfo:
    return LaunchInfo(row.phase, row.custom_name, str(row.id), row.status)


def get_application(ctx: FlowContext, name: str, application_id: str, phase: str, *,
                    lock: bool = False) -> LaunchApplication:
    """The application ``application_id`` for ``name`` in ``phase``; 2303 otherwise."""
    stmt = select(LaunchApplication).where(
        LaunchApplication.id == int(application_id) if application_id.isdigit() else False)
    row = ctx.session.scalars(stmt.with_for_update() if lock else stmt).first()
    if row is None or row.name != name.lower().rstrip(".") or row.phase != phase:
        raise ObjectDoesNotExist(f"no {phase} application {application_id} for {name}",
                                 value=application_id)
    return row


def check_access(ctx: FlowContext, row: LaunchApplication, authinfo: str | None) -> None:
    """The applicant, an operator, or whoever has the application's authInfo."""
    if ctx.actor.may_act_on(row.registrar_id):
        return
    if not authinfo:
        raise AuthorizationError("the application is another registrar's")
    if not verify_authinfo(authinfo, row.authinfo_hash):
        raise InvalidAuthorization("invalid authInfo for the application")


def check_pending(row: LaunchApplication, action: str) -> None:
    if row.status != PENDING:
        raise StatusProhibitsOperation(f"application {row.id} is {row.status}: cannot "
                                       f"{action} it")


def settle(ctx: FlowContext, row: LaunchApplication, status: str, why: str, *,
           notify: bool = True) -> None:
    """End a pending application as ``status``; a lost one gets its fee back. The registry's
    decisions reach the applicant as a poll message (RFC 8334 3.3.5: the pending create's
    outcome, ``domain:panData`` with ``launch:infData``)."""
    row.status, row.updated_at = status, ctx.now
    if status != "allocated" and row.amount:
        billing.credit(ctx, row.registrar_id, row.amount, "refund", row.name,
                       f"application {row.id} for {row.name} {why}: fee refunded")
    if notify:
        poll.enqueue(ctx, row.registrar_id, "launch_application",
                     f"Application {row.id} for {row.name} {status}: {why}",
                     {"name": row.name, "application_id": str(row.id), "phase": row.phase,
                      "custom_name": row.custom_name, "status": status,
                      "result": status == "allocated", "cltrid": row.data.get("cltrid"),
                      "svtrid": row.data.get("svtrid"), "at": ctx.now.isoformat()})


def pending_by_name(ctx: FlowContext, tld: Tld) -> dict[str, list[LaunchApplication]]:
    rows = ctx.session.scalars(select(LaunchApplication).where(
        LaunchApplication.tld_id == tld.id, LaunchApplication.status == PENDING)
        .order_by(LaunchApplication.id).with_for_update()).all()
    out: dict[str, list[LaunchApplication]] = {}
    for row in rows:
        out.setdefault(row.name, []).append(row)
    return out


def accepted_at(row: LaunchApplication) -> datetime | None:
    text = row.data.get("accepted_at")
    return datetime.fromisoformat(text) if text else None


def refuse_if_phase_running(ctx: FlowContext, tld: Tld) -> None:
    running = running_phases(ctx.policy.launch_phases(ctx.session, tld.id), ctx.now)
    if running and running[0].applications:
        raise ParameterPolicyError(f".{tld.name} is still taking applications in its "
                                   f"{running[0].name} phase: allocate after it ends")


def applications_of(ctx: FlowContext, tld_name: str, status: str | None = None
                    ) -> list[tuple[LaunchApplication, str]]:
    """A TLD's applications with their registrars' clids, oldest first."""
    stmt = (select(LaunchApplication, Registrar.clid)
            .join(Registrar, Registrar.id == LaunchApplication.registrar_id)
            .where(LaunchApplication.tld_id == get_tld(ctx, tld_name).id)
            .order_by(LaunchApplication.id))
    if status is not None:
        stmt = stmt.where(LaunchApplication.status == status)
    return [tuple(row) for row in ctx.session.execute(stmt)]
