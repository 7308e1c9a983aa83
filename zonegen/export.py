"""Zone files: the signed zone as served (AXFR from loopback) or the stored records (API)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from zonegen.api import PowerDnsApi
from zonegen.names import normalize


class ExportError(Exception):
    """The zone could not be transferred."""


Progress = Callable[[str, int, int | None], None]


def axfr_to_file(zone: str, path: Path, server: str = "127.0.0.1", port: int = 53,
                 timeout: float = 600, progress: Progress | None = None) -> int:
    """AXFR the zone into ``path`` (one SOA, no comments); returns the number of records.

    dig streams the transfer to the file, which keeps memory flat for million-record zones;
    ``progress`` hears the kilobytes written so far, twice a second. ``timeout`` bounds a
    stall (seconds without a byte), not the whole transfer: a 1,000,000-delegation TLD on a
    busy machine took over 600 s to transfer, and a total deadline failed it while it was
    still coming.
    """
    zone = normalize(zone)
    deadline = time.monotonic() + timeout
    written = 0
    with open(path, "w") as out:
        proc = subprocess.Popen(
            ["dig", f"@{server}", "-p", str(port), zone, "AXFR", "+onesoa", "+nocmd",
             "+nostats", "+nocomments", "+noquestion", f"+time={int(timeout)}", "+tries=1"],
            stdout=out, stderr=subprocess.PIPE, text=True)
        while True:
            try:
                _out, err = proc.communicate(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if out.tell() != written:
                    written, deadline = out.tell(), time.monotonic() + timeout
                elif time.monotonic() > deadline:
                    proc.kill()
                    proc.communicate()
                    raise ExportError(f"AXFR of {zone} stalled: nothing for {timeout:g}s"
                                      ) from None
                if progress is not None:
                    progress("transfer (kB)", out.tell() // 1024, None)
    text_tail = _tail(path)
    if proc.returncode != 0 or "Transfer failed" in text_tail or "timed out" in text_tail:
        raise ExportError(f"AXFR of {zone} failed: {err.strip() or text_tail}")
    count = 0
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith(";"):
                count += 1
    if progress is not None:
        progress("transfer (records)", count, count)
    if count == 0:
        raise ExportError(f"AXFR of {zone} returned no records")
    return count


def _tail(path: Path, size: int = 512) -> str:
    with open(path, "rb") as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - size))
        return f.read().decode(errors="replace")


def export_zone(zone: str, path: Path, *, signed: bool = True, api: PowerDnsApi | None = None,
                server: str = "127.0.0.1", port: int = 53,
                progress: Progress | None = None) -> int:
    """Write a zone file: signed (as transferred) or the unsigned records PowerDNS stores."""
    if signed:
        return axfr_to_file(zone, path, server, port, progress=progress)
    if api is None:
        raise ValueError("an unsigned export needs the API")
    text = api.export(zone)
    path.write_text(text)
    return sum(1 for line in text.splitlines() if line.strip())
