"""A test Trademark Clearinghouse, as ICANN's test environment provides one: a CA, an SMD
signing certificate, CRLs, signed marks (SMDs), claims notice ids, DNL and SMDRL files."""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner

from registry.launch.tmch_data import import_ca, import_crl, import_dnl, import_smdrl

SMD = "urn:ietf:params:xml:ns:signedMark-1.0"
MARK = "urn:ietf:params:xml:ns:mark-1.0"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pem(obj) -> str:
    return obj.public_bytes(serialization.Encoding.PEM).decode()


@dataclass
class Signer:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())

    @property
    def cert_pem(self) -> str:
        return _pem(self.cert)


class TmchKit:
    """A CA and what it issues, valid around ``now``."""

    def __init__(self, now: datetime, name: str = "Test TMCH CA") -> None:
        self.now = now
        key = _key()
        self.ca = Signer(key, x509.CertificateBuilder()
                         .subject_name(_name(name)).issuer_name(_name(name))
                         .public_key(key.public_key()).serial_number(1)
                         .not_valid_before(now - timedelta(days=365))
                         .not_valid_after(now + timedelta(days=3650))
                         .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
                         .sign(key, hashes.SHA256()))
        self.signer = self.issue(serial=1000)

    @property
    def ca_pem(self) -> str:
        return self.ca.cert_pem

    def issue(self, serial: int) -> Signer:
        key = _key()
        cert = (x509.CertificateBuilder().subject_name(_name(f"SMD signer {serial}"))
                .issuer_name(self.ca.cert.subject).public_key(key.public_key())
                .serial_number(serial).not_valid_before(self.now - timedelta(days=30))
                .not_valid_after(self.now + timedelta(days=1000))
                .sign(self.ca.key, hashes.SHA256()))
        return Signer(key, cert)

    def crl(self, *revoked_serials: int) -> str:
        builder = (x509.CertificateRevocationListBuilder().issuer_name(self.ca.cert.subject)
                   .last_update(self.now - timedelta(days=1))
                   .next_update(self.now + timedelta(days=30)))
        for serial in revoked_serials:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial)
                .revocation_date(self.now - timedelta(hours=1)).build())
        return _pem(builder.sign(self.ca.key, hashes.SHA256()))

    def signed_mark(self, smd_id: str, labels: tuple[str, ...], *,
                    signer: Signer | None = None, valid_days: int = 365,
                    not_before: datetime | None = None) -> bytes:
        """An SMD (``<smd:signedMark>``) for a trademark with these labels."""
        signer = signer or self.signer
        start = not_before or self.now - timedelta(days=1)
        labels_xml = "".join(f"<mark:label>{label}</mark:label>" for label in labels)
        xml = (f'<smd:signedMark xmlns:smd="{SMD}" id="signedMark"><smd:id>{smd_id}</smd:id>'
               '<smd:issuerInfo issuerID="65535"><smd:org>Test TMCH</smd:org>'
               "<smd:email>tmch@example.net</smd:email></smd:issuerInfo>"
               f"<smd:notBefore>{_z(start)}</smd:notBefore>"
               f"<smd:notAfter>{_z(start + timedelta(days=valid_days))}</smd:notAfter>"
               f'<mark:mark xmlns:mark="{MARK}"><mark:trademark><mark:id>1234-2</mark:id>'
               "<mark:markName>Example One</mark:markName><mark:holder entitlement=\"owner\">"
               "<mark:org>Example Inc.</mark:org><mark:addr><mark:street>123 Example Dr."
               "</mark:street><mark:city>Reston</mark:city><mark:cc>US</mark:cc></mark:addr>"
               "</mark:holder><mark:jurisdiction>US</mark:jurisdiction>"
               f"{labels_xml}<mark:goodsAndServices>Dirigendas et eiusmodi"
               "</mark:goodsAndServices><mark:regNum>234235</mark:regNum>"
               "<mark:regDate>2009-08-16T09:00:00.0Z</mark:regDate></mark:trademark>"
               "</mark:mark></smd:signedMark>")
        signed = XMLSigner(c14n_algorithm=EXC_C14N).sign(
            etree.fromstring(xml), key=signer.key_pem, cert=signer.cert_pem,
            reference_uri="#signedMark")
        return etree.tostring(signed)

    def encoded(self, *args, **kwargs) -> str:
        return base64.b64encode(self.signed_mark(*args, **kwargs)).decode()


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.0Z")


def notice_id(label: str, not_after: datetime, serial: str = "2013071900000000001") -> str:
    """A TMCH claims notice id (RFC 9361 6.3): CRC32 checksum + 19 digits."""
    checksum = zlib.crc32(f"{label}{int(not_after.timestamp())}{serial}".encode())
    return f"{checksum:08x}{serial}"


def dnl(*entries: tuple[str, str]) -> str:
    rows = "".join(f"{label},{key},2013-07-19T00:00:00.0Z\n" for label, key in entries)
    return f"1,2013-07-19T00:00:00.0Z\nDNL,lookup-key,insertion-datetime\n{rows}"


def smdrl(*smd_ids: str) -> str:
    rows = "".join(f"{smd_id},2013-07-19T00:00:00.0Z\n" for smd_id in smd_ids)
    return f"1,2013-07-19T00:00:00.0Z\nsmd-id,insertion-datetime\n{rows}"


def install(ctx, kit: TmchKit, dnl_entries: tuple[tuple[str, str], ...], *,
            revoked_serials: tuple[int, ...] = (), revoked_smds: tuple[str, ...] = ("9-9",)
            ) -> None:
    """Import ``kit``'s CA and CRL, a DNL and an SMD revocation list into the registry, as an
    operator does with ``pyrar tmch``."""
    import_ca(ctx, kit.ca_pem)
    import_crl(ctx, kit.crl(*revoked_serials))
    import_dnl(ctx, dnl(*dnl_entries))
    import_smdrl(ctx, smdrl(*revoked_smds))
