"""What a domain create must bring in each launch phase (RFC 8334 3.3), checked in the
create's transaction: a signed mark for the label in sunrise, an acknowledged claims notice
for a DNL label while claims run; and the LORDN entry that reports it.

A phase either registers at once (RFC 8334 3.3.5 "registration": the first valid create
gets the name, later ones 2302, first come first served) or, when set to take
applications, files an application per create, allocated after the phase ends
(registry/launch/applications.py).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ..errors import ParameterPolicyError, RequiredParameterMissing
from ..flows.context import FlowContext
from ..models import DnlEntry, LordnEntry, RevokedSmd, Tld, TmchFile
from ..names import DomainName
from . import smd
from .phases import running_phases

# RFC 9361 6.3: the acknowledgement must be recent; 48 hours, as TMCH practice and Nomulus.
MAX_NOTICE_AGE = timedelta(hours=48)


@dataclass(frozen=True)
class ClaimsNotice:
    notice_id: str
    not_after: datetime
    accepted_at: datetime
    validator: str = "tmch"


@dataclass(frozen=True)
class LaunchCreate:
    """A create's launch extension: its phase, signed marks (encoded) and notices."""

    phase: str
    custom_name: str = ""
    encoded_smds: tuple[str, ...] = ()
    signed_marks: tuple[bytes, ...] = ()  # <smd:signedMark> elements as sent
    notices: tuple[ClaimsNotice, ...] = ()
    has_code: bool = False
    kind: str | None = None  # the type attribute: application, registration, or unsaid


@dataclass(frozen=True)
class LaunchRecord:
    """What the create writes for the LORDN file once the domain has its id."""

    kind: str  # sunrise | claims; "" for an application that reports nothing
    mark_ref: str
    accepted_at: datetime | None
    phase: str = "open"
    custom_name: str = ""
    application: bool = False  # the phase takes applications: file one


def check_create(ctx: FlowContext, tld: Tld, name: DomainName,
                 launch: LaunchCreate | None) -> LaunchRecord | None:
    # from the policy cache: every create asks, and creates are hot
    running = running_phases(ctx.policy.launch_phases(ctx.session, tld.id), ctx.now)
    phase_name = running[0].name if running else "open"
    if launch is not None and launch.phase != phase_name:
        raise ParameterPolicyError(f".{tld.name} is in its {phase_name} phase, not "
                                   f"{launch.phase}")
    if launch is not None and launch.has_code:
        raise ParameterPolicyError("mark codes (launch:codeMark) are not accepted: send "
                                   "the signed mark")
    applications = bool(running) and running[0].applications
    _check_kind(tld, phase_name, applications, launch)
    if phase_name == "sunrise":
        found = _sunrise(ctx, tld, name, launch)
    elif any(p.name == "claims" for p in running):  # claims may run beside landrush
        found = _claims(ctx, name, launch)
    else:
        found = None
    if not applications:
        return found
    return LaunchRecord(found.kind if found else "", found.mark_ref if found else "",
                        found.accepted_at if found else None, phase_name,
                        running[0].custom_name, application=True)


def _check_kind(tld: Tld, phase: str, applications: bool, launch: LaunchCreate | None
                ) -> None:
    """RFC 8334 3.3: the create's type must be what the phase makes."""
    kind = launch.kind if launch is not None else None
    if applications and launch is None:
        raise RequiredParameterMissing(f"the {phase} phase of .{tld.name} takes applications: "
                                       "a create needs the launch extension")
    if applications and kind == "registration":
        raise ParameterPolicyError(f"the {phase} phase of .{tld.name} takes applications, "
                                   "not registrations")
    if not applications and kind == "application":
        raise ParameterPolicyError(f"the {phase} phase of .{tld.name} registers names at "
                                   "once: send type registration")


def _sunrise(ctx: FlowContext, tld: Tld, name: DomainName,
             launch: LaunchCreate | None) -> LaunchRecord:
    if launch is None or not (launch.encoded_smds or launch.signed_marks):
        raise RequiredParameterMissing(
            f".{tld.name} is in sunrise: a create needs the launch extension with the "
            "signed mark (SMD) of the label")
    if len(launch.encoded_smds) + len(launch.signed_marks) > 1:
        raise ParameterPolicyError("give one signed mark")
    data = smd.decode(launch.encoded_smds[0]) if launch.encoded_smds else \
        launch.signed_marks[0]
    mark = smd.verify(data, trust(ctx), ctx.now)
    if name.label not in mark.labels:
        raise smd.SmdRefused(f"signed mark {mark.id} does not cover the label {name.label}",
                             value=name.name)
    return LaunchRecord("sunrise", mark.id, None)


def _claims(ctx: FlowContext, name: DomainName,
            launch: LaunchCreate | None) -> LaunchRecord | None:
    entry = ctx.session.get(DnlEntry, name.label)
    if entry is None:
        return None  # no mark matches the label: nothing to acknowledge
    notices = launch.notices if launch is not None else ()
    if not notices:
        raise RequiredParameterMissing(
            f"{name.label} has marks in the Trademark Clearinghouse: a create during claims "
            "needs the acknowledged claims notice (launch:notice)")
    notice = notices[0]
    check_notice(notice, name.label, ctx.now)
    return LaunchRecord("claims", notice.notice_id, notice.accepted_at)


def check_notice(notice: ClaimsNotice, label: str, now: datetime) -> None:
    """RFC 9361 6.3: the notice id's checksum binds it to the label and its expiry; the
    notice must not have expired and must have been accepted recently, before now."""
    tcn = notice.notice_id.strip()
    if len(tcn) != 27 or not tcn[8:].isdigit():
        raise ParameterPolicyError(f"claims notice id {tcn!r} is not a TMCH notice id",
                                   value=notice.notice_id)
    expected = zlib.crc32(f"{label}{int(notice.not_after.timestamp())}{tcn[8:]}".encode())
    if tcn[:8].lower() != f"{expected:08x}":
        raise ParameterPolicyError(
            f"claims notice id {tcn} does not match {label} and its notAfter (checksum)",
            value=notice.notice_id)
    if notice.not_after <= now:
        raise ParameterPolicyError(f"claims notice {tcn} expired at {notice.not_after}",
                                   value=notice.notice_id)
    if notice.accepted_at > now or notice.accepted_at > notice.not_after:
        raise ParameterPolicyError(f"claims notice {tcn}: acceptedDate is in the future or "
                                   "after the notice expired")
    if notice.accepted_at < now - MAX_NOTICE_AGE:
        raise ParameterPolicyError(
            f"claims notice {tcn} was accepted more than 48 hours ago: show it again")


def trust(ctx: FlowContext) -> smd.TmchTrust:
    """The TMCH CA, CRL and SMD revocation list as last imported."""
    ca = ctx.session.get(TmchFile, "ca")
    if ca is None:
        raise ParameterPolicyError("the registry has no TMCH CA certificate yet: signed "
                                   "marks cannot be checked")
    crl = ctx.session.get(TmchFile, "crl")
    revoked = frozenset(ctx.session.scalars(select(RevokedSmd.smd_id)))
    return smd.TmchTrust(smd.load_ca(ca.content),
                         smd.load_crl(crl.content) if crl is not None else None, revoked)


def record(ctx: FlowContext, tld: Tld, domain_id: int, domain_name: str, registrar_id: int,
           launch: LaunchRecord, applied_at: datetime | None = None) -> None:
    """The LORDN entry of a registration; ``applied_at``: it was an application's, filed
    then (RFC 9361 6.3.1 application-datetime)."""
    ctx.session.add(LordnEntry(
        tld_id=tld.id, kind=launch.kind, domain_id=domain_id, domain_name=domain_name,
        mark_ref=launch.mark_ref, registrar_id=registrar_id, registered_at=ctx.now,
        accepted_at=launch.accepted_at, applied_at=applied_at))
