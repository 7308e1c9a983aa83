"""``zone verify``: AXFR + dnssec-verify + ldns-verify-zone + delv + live spot checks."""

from __future__ import annotations

import os
import random
import secrets
import subprocess
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from zonegen.export import ExportError, Progress, axfr_to_file
from zonegen.model import Delegation
from zonegen.names import normalize
from zonegen.probe import DnsProbe, ProbeError, check_delegation
from zonegen.rectify import Denial


@dataclass
class VerifyReport:
    zone: str
    records: int = 0
    passed: list[str] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.faults

    def text(self) -> str:
        lines = [f"{self.zone}: {self.records} records, "
                 f"{'OK' if self.ok else f'{len(self.faults)} FAULT(S)'}"]
        lines += [f"  ok    {p}" for p in self.passed]
        lines += [f"  FAULT {f}" for f in self.faults]
        return "\n".join(lines)


def sample(delegations: Iterable[Delegation], size: int, seed: int | None = None
           ) -> list[Delegation]:
    """A uniform sample in one pass (reservoir), so a million delegations stay cheap."""
    rnd = random.Random(seed)
    out: list[Delegation] = []
    for i, d in enumerate(delegations):
        if i < size:
            out.append(d)
        else:
            j = rnd.randint(0, i)
            if j < size:
                out[j] = d
    return out


def _run(cmd: list[str], timeout: float) -> tuple[int, str]:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        return 127, f"{cmd[0]} is not installed"
    except subprocess.TimeoutExpired:
        return 124, f"{cmd[0]} timed out after {timeout}s"
    return proc.returncode, (proc.stdout + proc.stderr).strip()


def run_while_progressing(cmd: list[str], stall: float, poll: float = 10.0
                           ) -> tuple[int, str]:
    """Run a checker to its end as long as it works: killed only after ``stall`` seconds
    without using any CPU (a hang). A million-delegation zone on a busy machine takes
    ldns-verify-zone longer than any wall-clock limit that would still catch a hang early.
    Where the CPU time cannot be read (no /proc), ``stall`` bounds the whole run."""
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
    except FileNotFoundError:
        return 127, f"{cmd[0]} is not installed"
    used, since = None, time.monotonic()
    while True:
        try:
            out, _ = proc.communicate(timeout=min(poll, stall))
            return proc.returncode, out.strip()
        except subprocess.TimeoutExpired:
            cpu = _cpu_seconds(proc.pid)
            if cpu is not None and cpu != used:
                used, since = cpu, time.monotonic()
            if time.monotonic() - since >= stall:
                proc.kill()
                proc.communicate()
                return 124, f"{cmd[0]} used no CPU for {stall:.0f}s: stopped as hung"


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc/PID/stat), None if unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def delv(server: str, port: int, zone: str, ksk_dnskeys: Iterable[str], name: str,
         rdtype: str, workdir: Path, timeout: float = 30) -> tuple[bool, str]:
    """Validate ``name rdtype`` with delv, the zone's KSK(s) as the only trust anchor."""
    zone = normalize(zone)
    anchor = workdir / "anchor.conf"
    keys = []
    for k in ksk_dnskeys:
        flags, proto, alg, key = k.split(None, 3)
        keys.append(f'  "{zone}" static-key {flags} {proto} {alg} "{key.replace(" ", "")}";')
    anchor.write_text("trust-anchors {\n" + "\n".join(keys) + "\n};\n")
    _rc, out = _run(["delv", f"@{server}", "-p", str(port), "-a", str(anchor),
                    f"+root={zone}", name, rdtype], timeout)
    # a validated negative answer also prints "resolution failed: ncache nxrrset"
    return "fully validated" in out, out


def verify_zone(zone: str, *, server: str, port: int, denial: Denial, workdir: Path,
                samples: Iterable[Delegation] = (), ksk_dnskeys: Iterable[str] = (),
                tool_stall: float = 300, progress: Progress | None = None) -> VerifyReport:
    zone = normalize(zone)
    report = VerifyReport(zone)
    workdir.mkdir(parents=True, exist_ok=True)
    zonefile = workdir / f"{zone.rstrip('.') or 'root'}.axfr"
    try:
        report.records = axfr_to_file(zone, zonefile, server, port, progress=progress)
        report.passed.append(f"AXFR: {report.records} records")
    except ExportError as e:
        report.faults.append(str(e))
        return report
    probe = DnsProbe(server, port)
    keys = None
    if denial.secured:
        _offline_checks(report, zone, zonefile, tool_stall)
        try:
            keys = probe.dnskeys(zone)
            report.passed.append("DNSKEY set signed by itself")
        except ProbeError as e:
            report.faults.append(str(e))
            return report
    _live_checks(report, probe, zone, denial, list(samples), keys)
    ksks = list(ksk_dnskeys)
    if denial.secured and ksks:
        _delv_checks(report, server, port, zone, ksks, list(samples), workdir)
    return report


def _offline_checks(report: VerifyReport, zone: str, zonefile: Path, stall: float) -> None:
    """dnssec-verify and ldns-verify-zone, two independent validators of every signature and
    the whole NSEC3 chain, side by side (each is single-threaded)."""
    csk_only = not _has_zsk(zonefile)
    checkers = {
        "dnssec-verify": ["dnssec-verify", "-q", "-o", zone, *(["-z"] if csk_only else []),
                          str(zonefile)],
        "ldns-verify-zone": ["ldns-verify-zone", str(zonefile)],
    }
    with ThreadPoolExecutor(len(checkers)) as pool:
        results = {name: pool.submit(run_while_progressing, cmd, stall)
                   for name, cmd in checkers.items()}
    for name, result in results.items():
        rc, out = result.result()
        (report.passed.append(name) if rc == 0 else report.faults.append(f"{name}: {out[-500:]}"))


def _has_zsk(zonefile: Path) -> bool:
    with open(zonefile) as f:
        for line in f:
            fields = line.split()
            if len(fields) > 4 and fields[3] == "DNSKEY" and fields[4] == "256":
                return True
    return False


def _live_checks(report: VerifyReport, probe: DnsProbe, zone: str, denial: Denial,
                 samples: list[Delegation], keys: object) -> None:
    checks: list[tuple[str, Delegation | None]] = [(d.name, d) for d in samples]
    checks.append((f"pyrar-verify-{secrets.token_hex(4)}.{zone}", None))
    bad = 0
    for name, expected in checks:
        try:
            faults = check_delegation(probe, zone, denial, name, expected, keys)  # type: ignore[arg-type]
        except ProbeError as e:
            faults = [str(e)]
        report.faults += faults
        bad += bool(faults)
    report.passed.append(f"live answers: {len(checks) - bad}/{len(checks)} as expected")


def _delv_checks(report: VerifyReport, server: str, port: int, zone: str, ksks: list[str],
                 samples: list[Delegation], workdir: Path) -> None:
    targets = [(zone, "SOA")]
    signed = next((d for d in samples if d.ds), None)
    if signed:
        targets.append((signed.name, "DS"))
    for name, rdtype in targets:
        ok, out = delv(server, port, zone, ksks, name, rdtype, workdir)
        (report.passed.append(f"delv {name} {rdtype}: fully validated") if ok
         else report.faults.append(f"delv {name} {rdtype}: {out[-300:]}"))
