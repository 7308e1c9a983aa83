"""Plain values that cross layers: periods, fees, DNSSEC data, postal info, transaction ids."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Trid:
    """Client and server transaction identifiers of one command."""

    cltrid: str | None = None
    svtrid: str = ""

    @classmethod
    def new(cls, cltrid: str | None = None, prefix: str = "PYRAR") -> Trid:
        # time-ordered and unique across processes: ms timestamp + 48 random bits
        return cls(cltrid, f"{prefix}-{int(time.time() * 1000):x}-{os.urandom(6).hex()}")


@dataclass(frozen=True)
class Period:
    value: int = 1
    unit: str = "y"  # "y" or "m", as in RFC 5731

    def years(self) -> int | None:
        """Whole years, or None when the period is not a whole number of years."""
        if self.unit == "y":
            return self.value
        return self.value // 12 if self.value % 12 == 0 else None


@dataclass(frozen=True)
class Fee:
    """One priced item of a command, as fee-1.0 reports it."""

    amount: int  # minor units
    currency: str
    description: str
    refundable: bool = True
    grace_days: int | None = None  # RFC 8748 grace-period attribute


@dataclass(frozen=True)
class Charge:
    """What a transform command cost, with the balance it left (fee-1.0 creData/renData...)."""

    fees: tuple[Fee, ...] = ()
    balance: int | None = None
    credit_limit: int | None = None

    @property
    def total(self) -> int:
        return sum(f.amount for f in self.fees)


@dataclass(frozen=True)
class DsData:
    key_tag: int
    algorithm: int
    digest_type: int
    digest: str  # hex


@dataclass(frozen=True)
class KeyDataValue:
    flags: int
    protocol: int
    algorithm: int
    public_key: str  # base64


@dataclass(frozen=True)
class PostalInfo:
    type: str  # "int" or "loc"
    name: str
    city: str
    cc: str
    org: str | None = None
    street: tuple[str, ...] = ()
    sp: str | None = None
    pc: str | None = None


@dataclass(frozen=True)
class PostalAddress:
    city: str
    cc: str
    street: tuple[str, ...] = ()
    sp: str | None = None
    pc: str | None = None


@dataclass(frozen=True)
class PostalChange:
    """A changed postalInfo (RFC 5733 3.2.5): what the client sent, None for what it left
    out, which keeps its stored value; an ``addr`` given replaces the whole address."""

    type: str  # "int" or "loc"
    name: str | None = None
    org: str | None = None  # "" removes the organization
    addr: PostalAddress | None = None

    @classmethod
    def replacing(cls, info: PostalInfo) -> PostalChange:
        """The change that makes the postalInfo of its type exactly ``info``."""
        return cls(info.type, info.name, info.org or "",
                   PostalAddress(info.city, info.cc, info.street, info.sp, info.pc))


@dataclass(frozen=True)
class Disclose:
    flag: bool
    fields: tuple[str, ...] = ()  # e.g. "name:int", "addr:loc", "voice", "fax", "email"


@dataclass(frozen=True)
class HostAddress:
    address: str
    version: str = "v4"  # "v4" or "v6", from the ip attribute


@dataclass(frozen=True)
class TransferData:
    """RFC 5730 transfer data (trnData), for responses and poll messages."""

    name: str
    status: str
    gaining_clid: str
    requested_at: datetime
    losing_clid: str
    action_at: datetime
    expires_at: datetime | None = None  # domains only

    def to_payload(self) -> dict:
        return {"name": self.name, "status": self.status, "gaining": self.gaining_clid,
                "requested_at": self.requested_at.isoformat(), "losing": self.losing_clid,
                "action_at": self.action_at.isoformat(),
                "expires_at": self.expires_at.isoformat() if self.expires_at else None}


@dataclass(frozen=True)
class QueueInfo:
    count: int
    first_id: int | None = None


@dataclass(frozen=True)
class Response:
    """A command's result plus what every EPP response carries."""

    result: object
    trid: Trid
    queue: QueueInfo | None = None
    extra: dict = field(default_factory=dict)

    @property
    def code(self) -> int:
        return getattr(self.result, "code", 1000)


@dataclass(frozen=True)
class IdnChoice:
    """A create's IDN table (idn-1.0 ``<idn:table>``, an IDN table's tag) and the U-label
    the client means (``<idn:uname>``), which must be the name's own."""

    table: str
    uname: str | None = None


@dataclass(frozen=True)
class LaunchInfo:
    """RFC 8334 launch:infData: the phase a registration or application was created in and,
    for an application, its id and status."""

    phase: str
    custom_name: str = ""
    application_id: str | None = None
    status: str | None = None
