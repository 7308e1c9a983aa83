"""ICANN's Registry Reporting Interface (draft-lozano-icann-registry-interfaces): the RDE
report of each deposit (Specification 2, part B, section 1.5) and the two monthly reports
(Specification 3), each sent by an HTTPS PUT with HTTP Basic authentication, the account
being the TLD's own (``[icann] username``, ``{tld}_ry``):

- ``PUT <url>/report/registry-escrow-report/<tld>/<deposit id>``, the rdeReport XML;
- ``PUT <url>/report/registrar-transactions/<tld>/<yyyy-mm>`` and
  ``.../registry-functions-activity/<tld>/<yyyy-mm>``, the CSV.

ICANN answers 200 with an iirdea result 1000 when it takes a report; otherwise the HTTP
status and the iirdea result (code, message, description) say why, and the report is sent
again by a later run: a PUT of the same report replaces it, so sending twice is harmless.
The RDE reports sent are recorded in the deposits' ``state.json`` (``_reported``), so a run
sends each once; with an escrow agent configured, a report goes only after its deposit has
reached the agent (``_uploaded``), as the specification orders.
"""

from __future__ import annotations

import base64
import logging
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lxml import etree

from registry.config import ConfigError

from . import state as deposit_state
from .config import IcannSettings
from .parts import siblings
from .upload import UPLOADED

log = logging.getLogger("pyrar.escrow.icann")
REPORTED = "_reported"   # the state's key
IIRDEA = "urn:ietf:params:xml:ns:iirdea-1.0"
MONTHLY = {"transactions": "registrar-transactions",
           "activity": "registry-functions-activity"}
MAX_ANSWER = 1 << 16


class ReportNotTaken(Exception):
    """ICANN did not take a report (or could not be reached); one line for the operator."""

    def __init__(self, message: str, status: int = 0, code: int | None = None) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """The interface does not redirect; following one would send the TLD's credentials to
    a host nobody configured."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


@dataclass(frozen=True)
class ReportingInterface:
    url: str
    username: str                    # with {tld}
    passwords: Callable[[str], str]  # a TLD's password
    context: ssl.SSLContext
    timeout: float

    @classmethod
    def from_settings(cls, settings: IcannSettings, resolve: Callable[[str], Path]
                      ) -> ReportingInterface | None:
        """None when ``[icann] url`` is empty (no reports sent)."""
        if not settings.url:
            return None
        context = ssl.create_default_context()
        if settings.ca_file:
            context.load_verify_locations(cafile=str(resolve(settings.ca_file)))
        try:
            own = (_read_passwords(resolve(settings.passwords_file))
                   if settings.passwords_file else {})
        except (OSError, ValueError) as e:
            raise ConfigError(f"[icann] passwords_file: {e}") from None
        return cls(settings.url.rstrip("/"), settings.username,
                   lambda tld: own.get(tld, settings.password), context, settings.timeout)

    def put_escrow_report(self, tld: str, deposit_id: str, report: bytes) -> None:
        self._put(tld, f"registry-escrow-report/{tld}/{deposit_id}", report, "text/xml")

    def put_monthly_report(self, tld: str, kind: str, month: str, text: str) -> None:
        """``kind``: "transactions" or "activity"; ``month``: YYYY-MM."""
        self._put(tld, f"{MONTHLY[kind]}/{tld}/{month}", text.encode("utf-8"), "text/csv")

    def _put(self, tld: str, path: str, body: bytes, media_type: str) -> None:
        password = self.passwords(tld)
        if not password:
            raise ReportNotTaken(f"no password for .{tld}'s ICANN account: [icann] password "
                                 "or passwords_file")
        url = f"{self.url}/report/{urllib.parse.quote(path)}"
        token = base64.b64encode(f"{self.username.format(tld=tld)}:{password}".encode())
        request = urllib.request.Request(url, data=body, method="PUT", headers={
            "Content-Type": media_type, "Authorization": f"Basic {token.decode()}"})
        opener = urllib.request.build_opener(
            _NoRedirects, urllib.request.HTTPSHandler(context=self.context))
        try:
            with opener.open(request, timeout=self.timeout) as answer:
                status, text = answer.status, answer.read(MAX_ANSWER)
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read(MAX_ANSWER)
        except (urllib.error.URLError, OSError) as e:
            raise ReportNotTaken(f"PUT {url}: {getattr(e, 'reason', e)}") from None
        code, message = _result(text)
        if status == 200 and code in (None, 1000):
            return
        said = f"result {code} {message}".strip() if code is not None else message
        raise ReportNotTaken(f"PUT {url}: HTTP {status}{': ' + said if said else ''}",
                             status, code)


@dataclass
class Reported:
    sent: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)   # their deposit not at the agent yet
    failed: list[str] = field(default_factory=list)    # "name: reason"


def send_escrow_reports(interface: ReportingInterface, out_dir: Path,
                        now: Callable[[], datetime], after_upload: bool) -> Reported:
    """Send each deposit's ``.rep`` not recorded as sent, oldest first (``after_upload``:
    only those whose deposit the escrow agent has); each recorded once ICANN took it."""
    state = deposit_state.load(out_dir)
    done, uploaded = state.get(REPORTED, {}), state.get(UPLOADED, {})
    result = Reported()
    for rep in sorted(out_dir.glob("*.rep")):
        if rep.name in done:
            continue
        ryde = rep.with_suffix(".ryde")
        if after_upload and not (ryde.is_file() and all(
                p.name in uploaded and p.with_suffix(".sig").name in uploaded
                for p in siblings(ryde))):
            result.waiting.append(rep.name)
            continue
        try:
            data = rep.read_bytes()
            tld, deposit_id = _report_ids(data)
            interface.put_escrow_report(tld, deposit_id, data)
        except (ReportNotTaken, OSError, ValueError) as e:
            log.error("RDE report %s not taken by ICANN (the next run tries again): %s",
                      rep.name, e)
            result.failed.append(f"{rep.name}: {e}")
            continue
        deposit_state.update(out_dir, lambda s, name=rep.name: s.setdefault(
            REPORTED, {}).update({name: now().isoformat()}))
        log.info("RDE report %s taken by ICANN", rep.name)
        result.sent.append(rep.name)
    return result


def _report_ids(data: bytes) -> tuple[str, str]:
    """The TLD and deposit id a report is about (its rdeHeader:tld and rdeReport:id)."""
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False,
                                                      no_network=True))
    except etree.XMLSyntaxError as e:
        raise ValueError(f"not XML: {e}") from None
    tld, deposit_id = root.findtext("{*}header/{*}tld"), root.findtext("{*}id")
    if not tld or not deposit_id:
        raise ValueError("no rdeReport:id or rdeHeader:tld in it")
    return tld, deposit_id


def _result(text: bytes) -> tuple[int | None, str]:
    """An iirdea answer's result code and message (with its description), or the start
    of whatever else came back."""
    try:
        root = etree.fromstring(text, etree.XMLParser(resolve_entities=False,
                                                      no_network=True))
        result = root.find(f"{{{IIRDEA}}}result")
        if result is not None and (result.get("code") or "").isdigit():
            parts = [result.findtext(f"{{{IIRDEA}}}msg"),
                     result.findtext(f"{{{IIRDEA}}}description")]
            return int(result.get("code")), " - ".join(" ".join(p.split()) for p in parts if p)
    except etree.XMLSyntaxError:
        pass
    return None, " ".join(text[:300].decode("utf-8", "replace").split())


def _read_passwords(path: Path) -> dict[str, str]:
    """Lines "TLD PASSWORD" ('#' comments); a password has no spaces."""
    found = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            raise ValueError(f"{path} line {n}: expected 'TLD PASSWORD'")
        found[parts[0].lower()] = parts[1]
    return found
