"""Deciding, with queries only, whether a transform whose answer was lost happened.

Nothing is ever sent again here: the caller learns ``applied`` and acts on it (records the
create, or sends the command afresh knowing it did not happen)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from eppclient.commands import Command
from eppclient.domain import DomainChanges
from eppclient.errors import CannotSettle, CommandFailed, OutcomeUnknown

OBJECT_MISSING = 2303
NOT_PENDING = 2301


@dataclass(frozen=True)
class Settlement:
    applied: bool
    command: Command
    detail: str
    evidence: object = None    # the info or transfer state it was decided on


async def settle(client, lost: OutcomeUnknown | Command) -> Settlement:
    """Whether ``lost`` (what was sent) took effect, by info/transfer query. CannotSettle
    when the registry's state does not tell (say, an update half of whose changes show)."""
    command = lost.command if isinstance(lost, OutcomeUnknown) else lost
    decide = _DECIDERS.get((command.object_type, command.verb))
    if decide is None or command.sent_at is None:
        raise CannotSettle(f"no way to settle a {command.object_type} {command.verb}")
    return await decide(client, command)


def _after_send(client, command: Command, moment: datetime | None) -> bool:
    skew = timedelta(seconds=client.config.clock_skew)
    return moment is not None and moment >= command.sent_at - skew


async def _query(call):
    """The query's answer, or None when the object does not exist."""
    try:
        return await call
    except CommandFailed as e:
        if e.code == OBJECT_MISSING:
            return None
        raise


async def _created(client, command: Command, info_call) -> Settlement:
    found = await _query(info_call)
    if found is None:
        return Settlement(False, command, "it does not exist")
    ours = found.created_by == client.clid and _after_send(client, command, found.created_at)
    detail = (f"created by us at {found.created_at}" if ours else
              f"created by {found.created_by} at {found.created_at}, not by this command")
    return Settlement(ours, command, detail, found)


async def _domain_create(client, command: Command) -> Settlement:
    return await _created(client, command, client.domain_info(command.object_id))


async def _host_create(client, command: Command) -> Settlement:
    return await _created(client, command, client.host_info(command.object_id))


async def _contact_create(client, command: Command) -> Settlement:
    found = await _query(client.contact_info(command.object_id))
    if found is None:
        return Settlement(False, command, "it does not exist")
    ours = found.sponsor == client.clid and _after_send(client, command, found.created_at)
    return Settlement(ours, command, f"sponsor {found.sponsor}, created {found.created_at}",
                      found)


async def _deleted(client, command: Command) -> Settlement:
    info = {"domain": client.domain_info, "host": client.host_info,
            "contact": client.contact_info}[command.object_type]
    found = await _query(info(command.object_id))
    if found is None:
        return Settlement(True, command, "it no longer exists")
    pending = "pendingDelete" in found.statuses
    return Settlement(pending, command, "pendingDelete" if pending else "still there", found)


async def _domain_renew(client, command: Command) -> Settlement:
    found = await client.domain_info(command.object_id)
    before = command.params["current_expiry"]
    now = found.expires_at.date().isoformat()
    # An auto-renew by the registry in between would look the same: registries only run
    # them at expiry, where a renew with this curExpDate was due anyway.
    return Settlement(now > before, command, f"expiry {now}, was {before}", found)


async def _domain_transfer(client, command: Command) -> Settlement:
    op, name = command.params["op"], command.object_id
    auth = command.params.get("auth_info")
    try:
        state = await client.domain_transfer("query", name, auth_info=auth)
    except CommandFailed as e:
        if e.code not in (NOT_PENDING, OBJECT_MISSING):
            raise
        state = None
    if op != "request":
        # approve, reject, cancel: done if the transfer is no longer pending
        done = state is None or state.status != "pending"
        return Settlement(done, command, state.status if state else "no transfer", state)
    if state is not None and state.requested_by == client.clid and _after_send(
            client, command, state.requested_at):
        return Settlement(True, command, f"transfer {state.status}", state)
    found = await _query(client.domain_info(name, auth_info=auth))
    ours = found is not None and found.sponsor == client.clid
    return Settlement(ours, command, f"sponsor {found.sponsor if found else None}", found)


async def _domain_restore(client, command: Command) -> Settlement:
    found = await client.domain_info(command.object_id)
    rgp = set(found.rgp_statuses)
    if command.params.get("rgp_op") == "report":
        done = "pendingRestore" not in rgp
    else:
        # RFC 3915: the request moves redemptionPeriod to pendingRestore (pendingDelete
        # stays until the report); a registry without reports restores at once
        done = "pendingRestore" in rgp or (
            "redemptionPeriod" not in rgp and "pendingDelete" not in found.statuses)
    return Settlement(done, command, f"rgp {sorted(rgp)}, statuses {found.statuses}", found)


async def _domain_update(client, command: Command) -> Settlement:
    found = await client.domain_info(command.object_id)
    add: DomainChanges = command.params["add"]
    rem: DomainChanges = command.params["rem"]
    hosts = {h.lower() for h in found.ns}
    seen = ([h.lower() in hosts for h in add.ns] + [h.lower() not in hosts for h in rem.ns]
            + [s in found.statuses for s in add.statuses]
            + [s not in found.statuses for s in rem.statuses]
            + [c in found.contacts for c in add.contacts]
            + [c not in found.contacts for c in rem.contacts])
    if command.params.get("registrant") is not None:
        seen.append(found.registrant == command.params["registrant"])
    return _verdict(command, seen, found)


async def _host_update(client, command: Command) -> Settlement:
    params = command.params
    new_name = params.get("new_name")
    found = await _query(client.host_info(new_name)) if new_name else None
    renamed = found is not None and found.sponsor == client.clid
    if found is None or not renamed:
        found = await client.host_info(command.object_id)
    seen = ([a in found.addresses for a in params["add_addresses"]]
            + [a not in found.addresses for a in params["rem_addresses"]]
            + [s in found.statuses for s in params["add_statuses"]]
            + [s not in found.statuses for s in params["rem_statuses"]])
    if new_name:
        seen.append(renamed)
    return _verdict(command, seen, found)


async def _contact_update(client, command: Command) -> Settlement:
    params = command.params
    found = await client.contact_info(command.object_id)
    seen = ([s in found.statuses for s in params["add_statuses"]]
            + [s not in found.statuses for s in params["rem_statuses"]])
    if params.get("email"):
        seen.append(found.contact.email == params["email"])
    if params.get("voice"):
        seen.append(found.contact.voice == params["voice"])
    # postal changes compare whole; a new authInfo never shows (RFC 9154)
    if params.get("postal"):
        seen.append(set(found.contact.postal) == set(params["postal"]))
    return _verdict(command, seen, found)


def _verdict(command: Command, seen: list[bool], found: object) -> Settlement:
    """Applied if every change shows, not applied if none does; otherwise nobody knows."""
    if seen and all(seen):
        return Settlement(True, command, "every change shows", found)
    if seen and not any(seen):
        return Settlement(False, command, "no change shows", found)
    raise CannotSettle(f"{command.object_type} update of {command.object_id}: "
                       f"{sum(seen)} of {len(seen)} visible changes show")


_DECIDERS = {
    ("domain", "create"): _domain_create,
    ("host", "create"): _host_create,
    ("contact", "create"): _contact_create,
    ("domain", "delete"): _deleted,
    ("host", "delete"): _deleted,
    ("contact", "delete"): _deleted,
    ("domain", "renew"): _domain_renew,
    ("domain", "transfer"): _domain_transfer,
    ("domain", "restore"): _domain_restore,
    ("domain", "update"): _domain_update,
    ("host", "update"): _host_update,
    ("contact", "update"): _contact_update,
}
