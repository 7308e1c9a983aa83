"""The DNS query counts of the monthly activity report (Specification 3: dns-udp-queries-
received and -responded, dns-tcp-...), from the managed PowerDNS's own counters.

pdns_server counts queries and answers per transport from its start; every poll reads them
through its API on loopback and adds what they grew by since the previous poll to the
registry's query counts (registry/query_counts.py) for the registry as a whole: PowerDNS
counts every zone it serves, and no query belongs to one TLD more than another. A server
that restarted (its uptime grew by less than the time since the previous poll, or a
counter went back) starts again from zero: what it counted after its last poll before it
stopped is lost, one interval at most.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from registry.query_counts import DNS_FIELDS, QueryCounter
from zonegen.api import PowerDnsApi, PowerDnsApiError

log = logging.getLogger("pyrar.zonegen.dns_stats")

# uptime is in whole seconds, and the poll's own round trip takes some
UPTIME_SLACK = 2.0
# PowerDNS's counter for each report field
COUNTERS = dict(zip(DNS_FIELDS, ("udp-queries", "udp-answers", "tcp-queries", "tcp-answers"),
                    strict=True))


class DnsQueryStats:
    """Polls one PowerDNS's counters into ``counter``. ``from_zero``: the server was
    started by us, so its whole count is ours; otherwise the first poll only sets the
    baseline (what it counted before is not known to be of this period)."""

    def __init__(self, api: PowerDnsApi, counter: QueryCounter, *, from_zero: bool,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.api, self.counter, self.clock = api, counter, clock
        self._last: dict[str, int] | None = dict.fromkeys((*COUNTERS.values(), "uptime"), 0) \
            if from_zero else None
        self._polled = clock()

    def poll(self) -> dict[str, int]:
        """Read the counters and count their growth; the growth per field. Raises
        PowerDnsApiError when the server cannot be read (the baseline is kept)."""
        now = self.api.statistics()
        missing = [c for c in (*COUNTERS.values(), "uptime") if c not in now]
        if missing:
            raise PowerDnsApiError(0, f"PowerDNS reports no {', '.join(missing)} statistic")
        last, self._last = self._last, {c: now[c] for c in (*COUNTERS.values(), "uptime")}
        polled, self._polled = self._polled, self.clock()
        if last is None:
            return {}
        restarted = now["uptime"] + UPTIME_SLACK < last["uptime"] + (self._polled - polled) \
            or any(now[c] < last[c] for c in COUNTERS.values())
        grown = {field: now[c] - (0 if restarted else last[c]) for field, c in COUNTERS.items()}
        for field, n in grown.items():
            self.counter.count(field, n=n)  # zeros too: the month shows DNS was watched
        return grown

    def poll_quietly(self) -> None:
        try:
            self.poll()
        except PowerDnsApiError as e:
            log.warning("PowerDNS statistics not read: %s", e)
