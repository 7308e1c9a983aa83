"""The reader of strace output that the loopback tests and scripts/loopback-audit share, and
the audit itself run on a process that sends off loopback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from network_trace import destinations, off_loopback

AUDIT = Path(__file__).resolve().parents[2] / "scripts" / "loopback-audit"


def called(lines: list[str]) -> list[str]:
    return [line.split("(")[0].split()[-1] for line in lines]


def test_the_trace_reader_finds_addresses_off_loopback() -> None:
    trace = "\n".join([
        '101 sendto(5, "x", 1, 0, {sa_family=AF_INET, sin_port=htons(53), '
        'sin_addr=inet_addr("10.255.255.53")}, 16) = 1',
        '101 connect(6, {sa_family=AF_INET6, sin6_port=htons(53), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
        '102 sendmsg(7, {msg_name={sa_family=AF_INET6, sin6_port=htons(53), '
        'inet_pton(AF_INET6, "::ffff:192.0.2.1", &sin6_addr)}, msg_namelen=28}, 0) = 30',
        '102 sendto(5, "x", 1, 0, {sa_family=AF_INET, sin_port=htons(5301), '
        'sin_addr=inet_addr("127.0.0.1")}, 16) = 1',
        '102 connect(8, {sa_family=AF_INET6, sin6_port=htons(53), '
        'inet_pton(AF_INET6, "::1", &sin6_addr)}, 28) = 0',
        '102 bind(9, {sa_family=AF_INET, sin_port=htons(0), sin_addr=inet_addr("0.0.0.0")}, '
        '16) = 0',
        '102 connect(10, {sa_family=AF_INET6, inet_pton(AF_INET6, "::ffff:127.0.0.1", '
        '&sin6_addr)}, 28) = 0',
    ])
    assert called(off_loopback(trace)) == ["sendto", "connect", "sendmsg"]


def test_with_socket_details_a_send_counts_its_peer_and_a_udp_connect_nothing() -> None:
    # strace -Y -yy, as scripts/loopback-audit runs it
    trace = "\n".join([
        # chromium's IPv6 reachability probe: a UDP connect, no packet
        '7<Chrome_ChildIOT> connect(19<UDPv6:[98707]>, {sa_family=AF_INET6, '
        'sin6_port=htons(443), inet_pton(AF_INET6, "2001:4860:4860::8888", &sin6_addr)}, '
        '28) = 0',
        # ...but a send on a UDP socket connected off loopback is caught by its peer
        '8<python3> sendto(4<UDP:[192.168.1.5:5000->10.255.255.53:53]>, ""..., 1, 0, NULL, '
        '0) = 1',
        '8<python3> sendto(5<TCP:[127.0.0.1:59354->127.0.0.1:3306]>, ""..., 1, 0, NULL, 0) = 1',
        '8<python3> sendto(3<UDPv6:[[::1]:44169->[::1]:53]>, ""..., 1, 0, NULL, 0) = 1',
        '9<pdns> sendmsg(6<UDPv6:[[2001:db8::2]:53->[2001:db8::53]:53]>, {msg_name=NULL}, 0) = 1',
        # a TCP connect sends a SYN: counted
        '9<pdns> connect(7<TCP:[99]>, {sa_family=AF_INET, sin_port=htons(53), '
        'sin_addr=inet_addr("192.0.2.7")}, 16) = -1 EINPROGRESS',
    ])
    assert called(off_loopback(trace)) == ["sendto", "sendmsg", "connect"]
    assert ("sendto", "127.0.0.1") in destinations(trace)
    assert ("sendto", "::1") in destinations(trace)


@pytest.mark.strace
def test_the_audit_fails_a_command_that_sends_off_loopback(tmp_path) -> None:
    if not shutil.which("strace"):
        pytest.skip("strace is not installed (apt-get install strace; scripts/setup does)")
    # 192.0.2.1 (TEST-NET-1) through a UDP socket: one datagram, to nobody who answers
    program = ("import socket\n"
               "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
               "s.sendto(b'x', ('127.0.0.1', 9))\n"
               "s.sendto(b'x', ('192.0.2.1', 9))\n")
    report = tmp_path / "findings"
    run = subprocess.run([sys.executable, str(AUDIT), "--report", str(report),
                          sys.executable, "-c", program], capture_output=True, text=True)
    assert run.returncode == 1, run.stderr
    assert "1 off loopback" in run.stderr
    assert called(report.read_text().splitlines()) == ["sendto"]
    assert "192.0.2.1" in report.read_text()

    quiet = subprocess.run([sys.executable, str(AUDIT), sys.executable, "-c",
                            program.rsplit("s.sendto", 1)[0]], capture_output=True, text=True)
    assert quiet.returncode == 0, quiet.stderr
