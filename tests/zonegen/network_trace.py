"""Which addresses a traced process sent to: ``strace -f -e trace=network`` output, read."""

from __future__ import annotations

import ipaddress
import re

# the calls that put a packet (or a connection attempt) on the wire; bind() and
# getsockname() name local addresses and send nothing
SENDING_CALLS = ("connect", "sendto", "sendmsg", "sendmmsg")
_CALL = re.compile(r"^(?:\[pid\s+)?\d*\]?\s*(\w+)\(")
_ADDRESS = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6?, "([^"]+)"')


def is_loopback(text: str) -> bool:
    address = ipaddress.ip_address(text)
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def destinations(trace: str) -> list[tuple[str, str]]:
    """(call, address) for every IP address a sending call named, in order."""
    out = []
    for line in trace.splitlines():
        call = _CALL.match(line.strip())
        if call is None or call.group(1) not in SENDING_CALLS:
            continue
        out += [(call.group(1), v4 or v6) for v4, v6 in _ADDRESS.findall(line)]
    return out


def off_loopback(trace: str) -> list[str]:
    """The trace lines of calls that sent to anything but 127.0.0.0/8 and ::1."""
    bad = []
    for line in trace.splitlines():
        if any(not is_loopback(address) for _call, address in destinations(line)):
            bad.append(line.strip())
    return bad
