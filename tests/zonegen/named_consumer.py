"""BIND ``named`` as an independent catalog-zone consumer: loopback only, ``notify no``."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode


class NamedConsumer:
    def __init__(self, workdir: Path, port: int, primary_port: int, catalog: str) -> None:
        self.dir = workdir
        self.port = port
        self.primary_port = primary_port
        self.catalog = catalog
        self.process: subprocess.Popen | None = None

    def config(self) -> str:
        d = self.dir
        primary = f"127.0.0.1 port {self.primary_port}"
        return f"""
options {{
    directory "{d}";
    pid-file "{d}/named.pid";
    session-keyfile "{d}/session.key";
    listen-on port {self.port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    notify no;
    dnssec-validation no;
    catalog-zones {{
        zone "{self.catalog}" default-primaries {{ {primary}; }}
            zone-directory "{d}/zones" min-update-interval 1;
    }};
}};
controls {{ }};
logging {{
    channel file_log {{ file "{d}/named.log"; severity info; print-time yes; }};
    category default {{ file_log; }};
}};
zone "{self.catalog}" {{
    type secondary;
    primaries {{ {primary}; }};
    file "{d}/catalog.db";
}};
"""

    def start(self) -> None:
        (self.dir / "zones").mkdir(parents=True, exist_ok=True)
        conf = self.dir / "named.conf"
        conf.write_text(self.config())
        check = subprocess.run(["named-checkconf", str(conf)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        self.process = subprocess.Popen(["named", "-f", "-c", str(conf)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def serves(self, zone: str) -> bool:
        q = dns.message.make_query(zone, "SOA")
        q.flags &= ~dns.flags.RD
        try:
            r = dns.query.udp(q, "127.0.0.1", port=self.port, timeout=1)
        except (dns.exception.Timeout, OSError):
            return False
        return r.rcode() == dns.rcode.NOERROR and bool(r.flags & dns.flags.AA) and bool(r.answer)

    def wait_until(self, zone: str, served: bool, timeout: float = 30) -> float:
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.serves(zone) == served:
                return time.monotonic() - start
            time.sleep(0.2)
        log = (self.dir / "named.log").read_text() if (self.dir / "named.log").exists() else ""
        raise AssertionError(f"named {'never served' if served else 'still serves'} {zone}\n"
                             + log[-3000:])
