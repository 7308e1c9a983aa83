"""The development CA: files, permissions, chains and the fingerprint format."""

from __future__ import annotations

import hashlib
import ssl
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

from certs import build_sandbox_certs, fingerprint


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    return build_sandbox_certs(tmp_path_factory.mktemp("certs"), ["reg-a", "regb"],
                               server_names=["epp.example.test", "192.0.2.7"])


def test_layout_and_key_permissions(sandbox):
    names = sorted(p.name for p in sandbox.directory.iterdir())
    assert names == ["ca.key", "ca.pem", "reg-a.key", "reg-a.pem", "regb.key", "regb.pem",
                     "server.key", "server.pem"]
    for path in sandbox.directory.glob("*.key"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_fingerprint_is_sha256_of_der_in_lowercase_hex(sandbox):
    pem = sandbox.clients["reg-a"].cert.read_bytes()
    der = x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)
    fp = fingerprint(pem)
    assert fp == hashlib.sha256(der).hexdigest()
    assert len(fp) == 64 and fp == fp.lower()
    assert fp != fingerprint(sandbox.clients["regb"].cert.read_bytes())


def test_server_certificate_names_and_usage(sandbox):
    cert = x509.load_pem_x509_certificate(sandbox.server.cert.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost", "epp.example.test"]
    assert [str(a) for a in san.get_values_for_type(x509.IPAddress)] == [
        "127.0.0.1", "::1", "192.0.2.7"]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name == "secp256r1"


def test_client_certificate_is_for_its_clid(sandbox):
    cert = x509.load_pem_x509_certificate(sandbox.clients["regb"].cert.read_bytes())
    assert cert.subject.rfc4514_string().startswith("CN=regb")
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_chain_verifies_with_a_real_tls_stack(sandbox):
    # Loading into an SSLContext that requires verification checks key/cert pairing and CA use.
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=sandbox.ca.cert)
    server.load_cert_chain(sandbox.server.cert, sandbox.server.key)
    client = ssl.create_default_context(cafile=sandbox.ca.cert)
    client.load_cert_chain(sandbox.clients["reg-a"].cert, sandbox.clients["reg-a"].key)
    assert len(server.get_ca_certs()) == 1


def test_rerun_keeps_existing_files_and_adds_new_clids(sandbox):
    before = sandbox.ca.cert.read_bytes(), sandbox.clients["reg-a"].cert.read_bytes()
    again = build_sandbox_certs(sandbox.directory, ["reg-a", "newreg"])
    assert (again.ca.cert.read_bytes(), again.clients["reg-a"].cert.read_bytes()) == before
    assert again.clients["newreg"].cert.exists()


@pytest.mark.parametrize("clid", ["../evil", "a/b", "", "server", "ca"])
def test_unsafe_or_clashing_clid_is_refused(tmp_path, clid):
    with pytest.raises(ValueError):
        build_sandbox_certs(tmp_path, [clid])
