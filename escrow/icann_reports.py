"""ICANN's Registry Reporting Interface (draft-lozano-icann-registry-interfaces): the RDE
report of each deposit (Specification 2, part B, section 1.5) and the two monthly reports
(Specification 3), each sent by an HTTPS PUT with HTTP Basic authentication, the account
being the TLD's own (``[icann] username``, ``{tld}_ry``):

- ``PUT <url>/report/registry-escrow-report/<tld>/<deposit id>``, the rdeReport XML;
- ``PUT <url>/report/registrar-transactions/<tld>/<yyyy-mm>`` and
  ``.../registry-functions-activity/<tld>/<yyyy-mm>``, the CSV;

each followed by ``HEAD <url>/info/report/<the same path>``, ICANN's status of the report
(200: it has it; 404: it has not), to confirm the PUT.

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
        self._send(tld, f"registry-escrow-report/{tld}/{deposit_id}", report, "text/xml")

    def put_monthly_report(self, tld: str, kind: str, month: str, text: str) -> None:
        """``kind``: "transactions" or "activity"; ``month``: YYYY-MM."""
        self._send(tld, f"{MONTHLY[kind]}/{tld}/{month}", text.encode("utf-8"), "text/csv")

    def _send(self, tld: str, path: str, body: bytes, media_type: str) -> None:
        """PUT the report, then ask ICANN's status of it (``HEAD <url>/info/report/...``):
        taken once the PUT was answered 1000 and the status does not say "no such report"
        (404). Any other answer to the HEAD leaves the PUT's word standing: the status is a
        check, and a report sent again would only replace itself."""
        url = f"{self.url}/report/{urllib.parse.quote(path)}"
        status, text = self._request("PUT", tld, url, body, media_type)
        code, message = _result(text)
        if status != 200 or code not in (None, 1000):
            said = f"result {code} {message}".strip() if code is not None else message
            raise ReportNotTaken(f"PUT {url}: HTTP {status}{': ' + said if said else ''}",
                                 status, code)
        info = f"{self.url}/info/report/{urllib.parse.quote(path)}"
        try:
            status, _ = self._request("HEAD", tld, info)
        except ReportNotTaken as e:
            log.warning("%s: the status of the report taken is unknown: %s", path, e)
            return
        if status == 404:
            raise ReportNotTaken(f"HEAD {info}: HTTP 404: ICANN has no such report, though "
                                 "its PUT was answered 1000", status)
        if status != 200:
            log.warning("HEAD %s: HTTP %s: the status of the report taken is unknown",
                        info, status)

    def _request(self, method: str, tld: str, url: str, body: bytes | None = None,
                 media_type: str | None = None) -> tuple[int, bytes]:
        """The HTTP status and the start of the answer's body."""
        password = self.passwords(tld)
        if not password:
            raise ReportNotTaken(f"no password for .{tld}'s ICANN account: [icann] password "
                                 "or passwords_file")
        token = base64.b64encode(f"{self.username.format(tld=tld)}:{password}".encode())
        headers = {"Authorization": f"Basic {token.decode()}"}
        if media_type:
            headers["Content-Type"] = media_type
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        opener = urllib.request.build_opener(
            _NoRedirects, urllib.request.HTTPSHandler(context=self.context))
        try:
            with opener.open(request, timeout=self.timeout) as answer:
                return answer.status, answer.read(MAX_ANSWER)
        except urllib.error.HTTPError as e:
            return e.code, e.read(MAX_ANSWER)
        except (urllib.error.URLError, OSError) as e:
            raise ReportNotTaken(f"{method} {url}: {getattr(e, 'reason', e)}") from None


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
