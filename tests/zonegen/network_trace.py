"""Which addresses a traced process sent to: ``strace -f -e trace=network`` output, read.

With ``-yy`` strace also names each socket's protocol and, once connected, its peer
(``5<TCP:[127.0.0.1:40000->127.0.0.1:3306]>``): then a send on a connected socket counts
its peer, and a connect on a UDP socket counts nothing (it only sets the default peer; no
packet leaves until a send, which shows that peer).
"""

from __future__ import annotations

import ipaddress
import re

# the calls that put a packet (or a connection attempt) on the wire; bind() and
# getsockname() name local addresses and send nothing
SENDING_CALLS = ("connect", "sendto", "sendmsg", "sendmmsg")
# "123 call(", "[pid 123] call(" or, with strace -Y, "123<comm> call("
_CALL = re.compile(r"^(?:\[pid\s+)?\d*(?:<[^>]*>)?\]?\s*(\w+)\(")
_ADDRESS = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6?, "([^"]+)"')
# -yy's first argument: "5<TCP:[local->peer]>" or, unconnected, "3<UDPv6:[98707]>"
_SOCKET = re.compile(r"\(\d+<(\w+):\[(.*?)\]>")
_PEER = re.compile(r"->\[?([0-9A-Fa-f.:]+?)\]?:\d+$")


def is_loopback(text: str) -> bool:
    address = ipaddress.ip_address(text)
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def destinations(trace: str) -> list[tuple[str, str]]:
    """(call, address) for every IP address a sending call put a packet towards, in order."""
    out = []
    for line in trace.splitlines():
        call = _CALL.match(line.strip())
        if call is None or call.group(1) not in SENDING_CALLS:
            continue
        name = call.group(1)
        socket = _SOCKET.search(line)
        if socket and name == "connect" and socket.group(1).startswith("UDP"):
            continue
        peer = _PEER.search(socket.group(2)) if socket else None
        if peer:
            out.append((name, peer.group(1)))
        out += [(name, v4 or v6) for v4, v6 in _ADDRESS.findall(line)]
    return out


def off_loopback(trace: str) -> list[str]:
    """The trace lines of calls that sent to anything but 127.0.0.0/8 and ::1."""
    bad = []
    for line in trace.splitlines():
        if any(not is_loopback(address) for _call, address in destinations(line)):
            bad.append(line.strip())
    return bad
