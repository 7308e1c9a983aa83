"""launch-1.0 (RFC 8334) claims check data."""

from __future__ import annotations

from lxml import etree

from eppd.namespaces import LAUNCH, tag
from eppd.replies.elements import flag, root, sub
from registry.flows.claims_check import ClaimsCheckResult


def chk_data(result: ClaimsCheckResult) -> etree._Element:
    chk = root(LAUNCH, "launch", "chkData")
    sub(chk, tag(LAUNCH, "phase"), result.phase)
    for name in result.names:
        cd = sub(chk, tag(LAUNCH, "cd"))
        sub(cd, tag(LAUNCH, "name"), name.name, exists=flag(name.exists))
        if name.key:
            sub(cd, tag(LAUNCH, "claimKey"), name.key, validatorID="tmch")
    return chk
