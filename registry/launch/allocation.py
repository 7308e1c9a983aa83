"""Allocating a TLD's applications once its application phase has ended (the rule is in
registry/launch/applications.py): each winner becomes a domain sponsored by its applicant,
paid by the fee charged at filing; every other application is rejected and refunded."""

from __future__ import annotations

from dataclasses import dataclass

from ..admin.tlds import get_tld
from ..errors import EppError, ObjectDoesNotExist, ParameterPolicyError
from ..flows.context import FlowContext
from ..flows.domain_create import NewDomain, register
from ..flows.domain_data import contact_for_link, domain_contacts, nameserver_hosts
from ..flows.lookup import registered_names, reserved_reason
from ..flows.variants import registration_table, variant_conflict
from ..models import LaunchApplication, Tld
from ..names import split_domain
from . import applications
from .create import LaunchRecord, record


@dataclass(frozen=True)
class Allocation:
    name: str
    outcome: str  # allocated | rejected | contended
    application_ids: tuple[int, ...]
    reason: str = ""


def allocate(ctx: FlowContext, tld_name: str, winners: tuple[int, ...] = ()
             ) -> list[Allocation]:
    """Allocate every uncontended name, and the contended ones whose winner ``winners``
    names; the rest stay pending and are reported as contended."""
    tld = get_tld(ctx, tld_name)
    applications.refuse_if_phase_running(ctx, tld)
    pending = applications.pending_by_name(ctx, tld)
    chosen = set(winners)
    unknown = chosen - {row.id for rows in pending.values() for row in rows}
    if unknown:
        raise ObjectDoesNotExist(f"no pending application {min(unknown)} in .{tld.name}")
    out = []
    for name, rows in pending.items():
        ids = tuple(r.id for r in rows)
        picked = [r for r in rows if r.id in chosen]
        if len(picked) > 1:
            raise ParameterPolicyError(f"name one winner for {name}, not {len(picked)}")
        blocked = _blocked(ctx, tld, name)
        if blocked:
            for row in rows:
                applications.settle(ctx, row, "rejected", blocked)
            out.append(Allocation(name, "rejected", ids, blocked))
        elif len(rows) > 1 and not picked:
            out.append(Allocation(name, "contended", ids))
        else:
            out.append(_allocate(ctx, tld, picked[0] if picked else rows[0], rows))
    return out


def _blocked(ctx: FlowContext, tld: Tld, name: str) -> str:
    if registered_names(ctx, [name]):
        return "the name was registered"
    if reserved_reason(ctx, tld, split_domain(name).label) is not None:
        return "the name is reserved"
    return ""


def _allocate(ctx: FlowContext, tld: Tld, winner: LaunchApplication,
              rows: list[LaunchApplication]) -> Allocation:
    ids = tuple(r.id for r in rows)
    try:
        new = _new_domain(ctx, tld, winner)
    except EppError as e:  # its contact or host went away, or a variant was taken
        applications.settle(ctx, winner, "rejected", f"cannot be allocated: {e.reason}")
        return Allocation(winner.name, "rejected", ids, e.reason)
    domain = register(ctx, tld, winner.name, winner.registrar_id, winner.years,
                      winner.amount, new)
    winner.domain_id = domain.id
    applications.settle(ctx, winner, "allocated", f"registered as domain {domain.name}")
    if winner.data.get("lordn"):
        record(ctx, tld, domain.id, domain.name, winner.registrar_id, LaunchRecord(
            winner.data["lordn"], winner.mark_ref, applications.accepted_at(winner)),
            applied_at=winner.created_at)
    for row in rows:
        if row is not winner:
            applications.settle(ctx, row, "rejected", f"lost to application {winner.id}")
    return Allocation(winner.name, "allocated", ids, f"application {winner.id}")


def _new_domain(ctx: FlowContext, tld: Tld, row: LaunchApplication) -> NewDomain:
    name = split_domain(row.name)
    variant_key, conflict = variant_conflict(ctx, tld, name, row.registrar_id)
    if conflict is not None:
        raise ParameterPolicyError(conflict)
    data = row.data
    return NewDomain(
        contact_for_link(ctx, data["registrant"]) if data.get("registrant") else None,
        domain_contacts(ctx, [tuple(c) for c in data.get("contacts", ())]),
        nameserver_hosts(ctx, data.get("nameservers", ())), row.authinfo_hash,
        variant_key=variant_key, idn_table=registration_table(ctx, tld, name, None))
