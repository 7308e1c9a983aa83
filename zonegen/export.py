"""Zone files: the signed zone as served (AXFR from loopback) or the stored records (API)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from zonegen.api import PowerDnsApi
from zonegen.names import normalize


class ExportError(Exception):
    """The zone could not be transferred."""


def axfr_to_file(zone: str, path: Path, server: str = "127.0.0.1", port: int = 53,
                 timeout: float = 600) -> int:
    """AXFR the zone into ``path`` (one SOA, no comments); returns the number of records.

    dig streams the transfer to the file, which keeps memory flat for million-record zones.
    """
    zone = normalize(zone)
    with open(path, "w") as out:
        proc = subprocess.run(
            ["dig", f"@{server}", "-p", str(port), zone, "AXFR", "+onesoa", "+nocmd",
             "+nostats", "+nocomments", "+noquestion", f"+time={int(timeout)}", "+tries=1"],
            stdout=out, stderr=subprocess.PIPE, text=True, timeout=timeout)
    text_tail = _tail(path)
    if proc.returncode != 0 or "Transfer failed" in text_tail or "timed out" in text_tail:
        raise ExportError(f"AXFR of {zone} failed: {proc.stderr.strip() or text_tail}")
    count = 0
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith(";"):
                count += 1
    if count == 0:
        raise ExportError(f"AXFR of {zone} returned no records")
    return count


def _tail(path: Path, size: int = 512) -> str:
    with open(path, "rb") as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - size))
        return f.read().decode(errors="replace")


def export_zone(zone: str, path: Path, *, signed: bool = True, api: PowerDnsApi | None = None,
                server: str = "127.0.0.1", port: int = 53) -> int:
    """Write a zone file: signed (as transferred) or the unsigned records PowerDNS stores."""
    if signed:
        return axfr_to_file(zone, path, server, port)
    if api is None:
        raise ValueError("an unsigned export needs the API")
    text = api.export(zone)
    path.write_text(text)
    return sum(1 for line in text.splitlines() if line.strip())
