"""EPP statuses as RDAP status values (RFC 8056 section 2)."""

from __future__ import annotations

EPP_TO_RDAP = {
    "ok": "active", "linked": "associated", "inactive": "inactive",
    "addPeriod": "add period", "autoRenewPeriod": "auto renew period",
    "renewPeriod": "renew period", "transferPeriod": "transfer period",
    "redemptionPeriod": "redemption period",
    "pendingCreate": "pending create", "pendingDelete": "pending delete",
    "pendingRenew": "pending renew", "pendingRestore": "pending restore",
    "pendingTransfer": "pending transfer", "pendingUpdate": "pending update",
    "clientDeleteProhibited": "client delete prohibited", "clientHold": "client hold",
    "clientRenewProhibited": "client renew prohibited",
    "clientTransferProhibited": "client transfer prohibited",
    "clientUpdateProhibited": "client update prohibited",
    "serverDeleteProhibited": "server delete prohibited", "serverHold": "server hold",
    "serverRenewProhibited": "server renew prohibited",
    "serverTransferProhibited": "server transfer prohibited",
    "serverUpdateProhibited": "server update prohibited",
}


def rdap_statuses(epp: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(EPP_TO_RDAP[s] for s in epp))
