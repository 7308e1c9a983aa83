"""The public EPP frames in ../shared/reference/epp (see its README): reading MANIFEST.tsv,
filling the ``%TOKEN%`` placeholders with sensible values, and turning a login frame into one
for a sandbox registrar. Nothing here talks to a server."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

# The project's parent folder holds ``shared`` (CI clones the repo beside it).
REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "epp"
FRAMES = REFERENCE / "frames"
MANIFEST = FRAMES / "MANIFEST.tsv"

EPP = "urn:ietf:params:xml:ns:epp-1.0"
LOGIN_SEC = "urn:ietf:params:xml:ns:epp:loginSec-1.0"
LOGIN_SEC_SENTINEL = "[LOGIN-SECURITY]"  # RFC 8807 4.1: the real password is in loginSec
NEW_PASSWORD = "Fresh-Pass-2026"  # what login frames with a <newPW> change the password to

DS_DIGEST = "E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766"
PLACEHOLDERS = {
    "%FEE_VERSION%": "epp:fee-1.0",  # spliced into urn:ietf:params:xml:ns:%FEE_VERSION%
    "%DOMAIN%": "example.tld", "%NAME%": "example.tld", "%LABEL%": "example.tld",
    "%TLD%": "tld", "%HOSTNAME%": "ns1.example.tld",
    "%HOSTADDRS%": '<host:addr ip="v4">192.0.2.2</host:addr>',
    "%oldName%": "ns1.example.tld", "%newName%": "ns2.example.tld",
    "%YEARS%": "1", "%PERIOD%": "1", "%UNIT%": "y",
    "%CURRENCY%": "USD", "%FEE%": "100.00", "%AMOUNT%": "100.00",
    "%FEE_1%": "100.00", "%FEE_2%": "0.00", "%FEE_3%": "0.00",
    "%DESCRIPTION_1%": "create", "%DESCRIPTION_2%": "early access", "%DESCRIPTION_3%": "other",
    "%COMMAND%": "create", "%SMD%": "AAAA", "%PHASE%": "sunrise", "%TOKEN%": "abc123",
    "%ID%": "1", "%MSGID%": "1",
    "%ALG%": "13", "%DIGEST_TYPE%": "2", "%KEY_TAG%": "12345", "%DIGEST%": DS_DIGEST,
    "%STATUS%": "clientHold", "%STATUS_ADD%": "clientHold",
    "%STATUS_REM%": "clientUpdateProhibited",
    "%REASON%": "interop test", "%REQUESTED%": "false", "%AUTORENEWS%": "true",
    "%PENDING_DELETE_DAYS%": "5", "%REDEMPTION_GRACE_PERIOD_DAYS%": "30",
    "%AUTOMATIC_TRANSFER_LENGTH%": "5",
    # Login frames: the session's own credentials go in when the frame is rewritten.
    "%CLID%": "clid-placeholder", "%PW%": "pw-placeholder", "%NEWPW%": NEW_PASSWORD,
}
# Filled from the server's state just before sending (the domain's current expiry date).
EXPIRY_PLACEHOLDERS = ("%EXPDATE%", "%EXDATE%")
_TOKEN = re.compile(r"%[A-Za-z_0-9]+%")


@dataclass(frozen=True)
class ReferenceFrame:
    """One MANIFEST row."""

    corpus: str
    path: str
    role: str
    what: str
    namespaces: str
    placeholders: str
    suggested_use: str

    @property
    def file(self) -> Path:
        return FRAMES / self.path

    def text(self) -> str:
        return self.file.read_text(encoding="utf-8")

    def unknown_placeholders(self) -> list[str]:
        known = set(PLACEHOLDERS) | set(EXPIRY_PLACEHOLDERS)
        return sorted({t for t in _TOKEN.findall(self.text()) if t not in known})


def available() -> bool:
    return MANIFEST.is_file()


def manifest() -> list[ReferenceFrame]:
    with MANIFEST.open(encoding="utf-8", newline="") as f:
        return [ReferenceFrame(row["corpus"], row["path"], row["role"], row["what"],
                               row["namespaces"], row["placeholders"], row["suggested_use"])
                for row in csv.DictReader(f, delimiter="\t")]


def fill(text: str, expiry: str | None = None) -> str:
    """The frame with every known placeholder replaced (``expiry`` for %EXPDATE%)."""
    def value(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in EXPIRY_PLACEHOLDERS:
            return expiry or "2000-01-01"
        return PLACEHOLDERS.get(token, token)
    return _TOKEN.sub(value, text)


def as_login(text: str, clid: str, password: str) -> tuple[bytes, bool]:
    """A login frame rewritten for ``clid``: its clID and password (in <pw>, or in
    <loginSec:pw> when <pw> holds the RFC 8807 sentinel) become ours, a new password
    becomes NEW_PASSWORD. Also says whether the frame changes the password."""
    doc = etree.fromstring(fill(text).encode())
    login = doc.find(f"{{{EPP}}}command/{{{EPP}}}login")
    login.find(f"{{{EPP}}}clID").text = clid
    pw = login.find(f"{{{EPP}}}pw")
    secure = doc.find(f".//{{{LOGIN_SEC}}}loginSec")
    if pw.text == LOGIN_SEC_SENTINEL and secure is not None:
        secure.find(f"{{{LOGIN_SEC}}}pw").text = password
    else:
        pw.text = password
    changes = False
    for new_pw in (login.find(f"{{{EPP}}}newPW"),
                   None if secure is None else secure.find(f"{{{LOGIN_SEC}}}newPW")):
        if new_pw is not None and new_pw.text != LOGIN_SEC_SENTINEL:
            new_pw.text = NEW_PASSWORD
            changes = True
    return etree.tostring(doc, xml_declaration=True, encoding="UTF-8"), changes
