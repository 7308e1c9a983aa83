"""The registry's tables; importing this package registers every model on ``Base.metadata``."""

from .audit import AuditEntry
from .base import Base
from .cds import CdsPending
from .contact import Contact
from .domain import STATES, Domain, DomainContact, DomainHost, DsRecord, GracePeriod, KeyData
from .event import Event
from .history import HistoryEntry
from .host import Host, HostIp
from .hosted_zone import HostedZoneStatus
from .idn import IdnTable, VariantBundle
from .launch import (
    APPLICATION_STATUSES,
    PHASES,
    DnlEntry,
    LaunchApplication,
    LaunchPhase,
    LordnEntry,
    RevokedSmd,
    TmchFile,
)
from .lease import Lease
from .poll import PollMessage
from .query_count import QueryCount
from .receipt import CommitReceipt
from .registrar import LedgerEntry, Registrar
from .tld import DATA_MODELS, OPERATIONS, RDDS_PROFILES, PremiumRule, Price, ReservedName, Tld
from .token import AllocationToken, AllocationTokenUse
from .transfer import Transfer

__all__ = [
    "APPLICATION_STATUSES",
    "DATA_MODELS",
    "OPERATIONS",
    "PHASES",
    "RDDS_PROFILES",
    "STATES",
    "AllocationToken",
    "AllocationTokenUse",
    "AuditEntry",
    "Base",
    "CdsPending",
    "CommitReceipt",
    "Contact",
    "DnlEntry",
    "Domain",
    "DomainContact",
    "DomainHost",
    "DsRecord",
    "Event",
    "GracePeriod",
    "HistoryEntry",
    "Host",
    "HostIp",
    "HostedZoneStatus",
    "IdnTable",
    "KeyData",
    "LaunchApplication",
    "LaunchPhase",
    "Lease",
    "LedgerEntry",
    "LordnEntry",
    "PollMessage",
    "PremiumRule",
    "Price",
    "QueryCount",
    "Registrar",
    "ReservedName",
    "RevokedSmd",
    "Tld",
    "TmchFile",
    "Transfer", "VariantBundle",
]
