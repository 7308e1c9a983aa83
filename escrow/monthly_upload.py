"""ICANN's two monthly reports (Specification 3), written as CSV files and PUT to the
Registry Reporting Interface: by ``pyrar report monthly --upload`` for any month, and by the
escrow scheduler for the month just ended, from ``[icann] monthly_report_day`` on (ICANN
wants them by the 20th).

The scheduler writes each gTLD's reports into the deposits' folder (the copy of what ICANN
was sent) and records each report ICANN took in its ``state.json`` (``_monthly_reported``,
by file name), so a restart never sends one again; one not taken is logged and sent by the
next run (a PUT of the same month replaces the earlier report). Only the month just ended
is sent: a scheduler down for a whole month leaves that month to the operator.
"""

from __future__ import annotations

import logging
from pathlib import Path

from registry.monthly_reports import Month, csv_reports, file_name, reporting_tlds
from registry.service import Registry

from . import state as deposit_state
from .icann_reports import Reported, ReportingInterface, ReportNotTaken

log = logging.getLogger("pyrar.escrow.icann")
MONTHLY_REPORTED = "_monthly_reported"   # the state's key
KINDS = ("transactions", "activity")


def write_reports(registry: Registry, tld: str, month: Month, out_dir: Path,
                  kinds: tuple[str, ...] = KINDS) -> dict[str, Path]:
    """The TLD's reports of the month (both read in one snapshot) written into ``out_dir``;
    their files by kind. Raises NoSuchTld."""
    texts = registry.read(lambda s: csv_reports(s, tld, month), snapshot=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for kind in kinds:
        paths[kind] = out_dir / file_name(tld, kind, month)
        paths[kind].write_text(texts[kind], encoding="utf-8", newline="")
    return paths


def upload_report(interface: ReportingInterface, tld: str, kind: str, month: Month,
                  path: Path) -> None:
    """PUT the file as it is (CRLF lines kept); raises ReportNotTaken."""
    interface.put_monthly_report(tld, kind, month.iso, path.read_bytes().decode("utf-8"))


def due_month(registry: Registry, day: int) -> Month | None:
    """The month whose reports are due by the registry's clock: the one just ended, from
    ``day`` of this one on; None before it, or when ``day`` is 0 (never)."""
    now = registry.clock.now()
    return Month.of(now).previous if day and now.day >= day else None


def send_monthly_reports(interface: ReportingInterface, registry: Registry, out_dir: Path,
                         day: int) -> Reported:
    """Send each gTLD's reports of the month just ended not recorded as taken yet."""
    result = Reported()
    month = due_month(registry, day)
    if month is None:
        return result
    done = deposit_state.load(out_dir).get(MONTHLY_REPORTED, {})
    for tld in registry.read(lambda s: reporting_tlds(s, month)):
        kinds = tuple(k for k in KINDS if file_name(tld, k, month) not in done)
        if not kinds:
            continue
        for kind, path in write_reports(registry, tld, month, out_dir, kinds).items():
            try:
                upload_report(interface, tld, kind, month, path)
            except (ReportNotTaken, OSError) as e:
                log.error("monthly report %s not taken by ICANN (the next run tries again): "
                          "%s", path.name, e)
                result.failed.append(f"{path.name}: {e}")
                continue
            deposit_state.update(out_dir, lambda s, name=path.name: s.setdefault(
                MONTHLY_REPORTED, {}).update({name: registry.clock.now().isoformat()}))
            log.info("monthly report %s taken by ICANN", path.name)
            result.sent.append(path.name)
    return result
