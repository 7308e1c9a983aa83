"""serve refuses a DNS port that another program holds on UDP only (issue #12 section 5):
before, zonegen started PowerDNS, which failed to bind, and crash-looped with a page of log."""

from __future__ import annotations

import socket

import pytest
from zonegen_helpers import free_port, need_pdns

from pyrar.components import ServeOptions, endpoints
from pyrar.serve_endpoints import PortsTaken, refuse_taken
from registry.config import Config
from zonegen.config import PowerDnsSettings
from zonegen.server import ManagedPowerDns, PowerDnsStartError


def _config(tmp_path, dns_port: int) -> Config:
    path = tmp_path / "pyrar.toml"
    path.write_text(f'[powerdns]\nport = {dns_port}\nwebserver_port = {free_port()}\n'
                    f'[eppd]\nport = {free_port()}\n')
    return Config.load(path, environ={})


@pytest.mark.parametrize("kind", [socket.SOCK_DGRAM, socket.SOCK_STREAM])
def test_a_dns_port_taken_on_either_protocol_is_refused(tmp_path, kind) -> None:
    port = free_port()
    config = _config(tmp_path, port)
    found = endpoints(config, ServeOptions())
    refuse_taken(found, config.path)                 # free: nothing said
    with socket.socket(socket.AF_INET, kind) as squatter:
        squatter.bind(("127.0.0.1", port))
        if kind == socket.SOCK_STREAM:
            squatter.listen()
        with pytest.raises(PortsTaken) as refused:
            refuse_taken(found, config.path)
    message = str(refused.value)
    assert f"127.0.0.1:{port} (TCP or UDP) (DNS, [powerdns] port)" in message
    assert "\n" not in message


def test_managed_powerdns_names_the_taken_port_in_one_line(tmp_path) -> None:
    need_pdns()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as squatter:
        squatter.bind(("127.0.0.1", 0))
        port = squatter.getsockname()[1]
        server = ManagedPowerDns(PowerDnsSettings(data_dir=str(tmp_path / "pdns"), port=port,
                                                  webserver_port=free_port()))
        with pytest.raises(PowerDnsStartError) as failed:
            server.start()
    assert str(failed.value) == (
        f"pdns_server cannot listen on '127.0.0.1:{port}' (UDP): Address already in use; "
        "stop what holds it or change [powerdns] port").replace("'", "")
