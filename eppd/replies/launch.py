"""launch-1.0 (RFC 8334) response data: claims checks, an application's create and info,
and the phase of a registration."""

from __future__ import annotations

from lxml import etree

from eppd.namespaces import LAUNCH, tag
from eppd.replies.elements import flag, root, sub
from registry.flows.claims_check import ClaimsCheckResult
from registry.values import LaunchInfo


def chk_data(result: ClaimsCheckResult) -> etree._Element:
    chk = root(LAUNCH, "launch", "chkData")
    sub(chk, tag(LAUNCH, "phase"), result.phase)
    for name in result.names:
        cd = sub(chk, tag(LAUNCH, "cd"))
        sub(cd, tag(LAUNCH, "name"), name.name, exists=flag(name.exists))
        if name.key:
            sub(cd, tag(LAUNCH, "claimKey"), name.key, validatorID="tmch")
    return chk


def cre_data(info: LaunchInfo) -> etree._Element:
    cre = root(LAUNCH, "launch", "creData")
    _phase(cre, info)
    sub(cre, tag(LAUNCH, "applicationID"), info.application_id)
    return cre


def inf_data(info: LaunchInfo) -> etree._Element:
    inf = root(LAUNCH, "launch", "infData")
    _phase(inf, info)
    if info.application_id is not None:
        sub(inf, tag(LAUNCH, "applicationID"), info.application_id)
    if info.status is not None:
        sub(inf, tag(LAUNCH, "status"), s=info.status)
    return inf


def _phase(parent: etree._Element, info: LaunchInfo) -> None:
    phase = sub(parent, tag(LAUNCH, "phase"), info.phase)
    if info.custom_name:
        phase.set("name", info.custom_name)
