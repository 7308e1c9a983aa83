"""Microseconds per frame for parse_frame and EppValidator.validate on typical commands.

Run: .venv/bin/python bench/validation.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eppd.parsing import parse_frame
from eppd.validation import EppValidator

DOMAIN_CHECK = b"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
  <command>
    <check>
      <domain:check xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
        <domain:name>alpha.example</domain:name>
        <domain:name>beta.example</domain:name>
        <domain:name>gamma.example</domain:name>
      </domain:check>
    </check>
    <clTRID>BENCH-0001</clTRID>
  </command>
</epp>
"""

DOMAIN_CREATE = b"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0">
  <command>
    <create>
      <domain:create xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
        <domain:name>alpha.example</domain:name>
        <domain:period unit="y">2</domain:period>
        <domain:ns>
          <domain:hostObj>ns1.example.net</domain:hostObj>
          <domain:hostObj>ns2.example.net</domain:hostObj>
        </domain:ns>
        <domain:registrant>reg-c1</domain:registrant>
        <domain:contact type="admin">adm-c1</domain:contact>
        <domain:contact type="tech">tech-c1</domain:contact>
        <domain:authInfo><domain:pw>2fooBAR!x9</domain:pw></domain:authInfo>
      </domain:create>
    </create>
    <extension>
      <secDNS:create xmlns:secDNS="urn:ietf:params:xml:ns:secDNS-1.1">
        <secDNS:dsData>
          <secDNS:keyTag>12345</secDNS:keyTag>
          <secDNS:alg>13</secDNS:alg>
          <secDNS:digestType>2</secDNS:digestType>
          <secDNS:digest>49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4AC49FD46E6C4B45C55D4ACAB12</secDNS:digest>
        </secDNS:dsData>
      </secDNS:create>
    </extension>
    <clTRID>BENCH-0002</clTRID>
  </command>
</epp>
"""


def per_call_us(
    action: Callable[[], object], rounds: int, repeats: int = 7
) -> tuple[float, float]:
    """Best-of-repeats mean microseconds per call (the least disturbed run on a shared box)."""
    action()
    means = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(rounds):
            action()
        means.append((time.perf_counter() - start) / rounds * 1e6)
    return min(means), statistics.median(means)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()

    start = time.perf_counter()
    validator = EppValidator()
    print(f"schema compile (load_schema): {(time.perf_counter() - start) * 1e3:.1f} ms")

    for name, frame in (("domain:check", DOMAIN_CHECK), ("domain:create+secDNS", DOMAIN_CREATE)):
        doc = parse_frame(frame)
        validator.validate(doc)
        parse_best, parse_median = per_call_us(lambda f=frame: parse_frame(f), args.rounds)
        valid_best, valid_median = per_call_us(lambda d=doc: validator.validate(d), args.rounds)
        both_best, both_median = per_call_us(
            lambda f=frame: validator.validate(parse_frame(f)), args.rounds
        )
        print(
            f"{name:22s} {len(frame):5d} B  parse {parse_best:6.1f} us (median {parse_median:.1f})"
            f"  validate {valid_best:6.1f} us (median {valid_median:.1f})"
            f"  parse+validate {both_best:6.1f} us (median {both_median:.1f})"
        )


if __name__ == "__main__":
    main()
