"""The certificate PayPal signs webhooks with: fetched from ``PAYPAL-CERT-URL`` only when the
URL is https on an allow-listed PayPal host, its chain checked up to a trusted root, its
name PayPal's message-verification name, kept by URL until it expires. The fetcher and the
roots are injectable: tests serve a chain from a local CA."""

from __future__ import annotations

import itertools
import ssl
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import NameOID

from .transport import fetch
from .values import ProviderRefused, ProviderUnavailable, Refused

MAX_CACHED = 16
# where PayPal publishes its message-verification certificates: no other path of its hosts
CERT_PATH = "/v1/notifications/certs/"


def system_roots(ca_file: str = "") -> list[x509.Certificate]:
    path = ca_file or ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt"
    return x509.load_pem_x509_certificates(Path(path).read_bytes())


class PayPalCertificates:
    def __init__(self, hosts: Sequence[str], common_name: str,
                 roots: Callable[[], list[x509.Certificate]],
                 fetcher: Callable[[str], bytes] | None = None, ca_file: str = "") -> None:
        """``ca_file``: the roots the https fetch trusts (default: the system's)."""
        self.hosts = {h.lower() for h in hosts}
        self.common_name = common_name
        self._roots_source = roots
        self._roots: list[x509.Certificate] | None = None
        self.fetcher = fetcher or self._fetch
        self.ca_file = ca_file
        self._context: ssl.SSLContext | None = None
        self._cache: dict[str, x509.Certificate] = {}
        self._lock = threading.Lock()

    def certificate(self, url: str, now: datetime) -> x509.Certificate:
        self._check_url(url)
        with self._lock:
            cached = self._cache.get(url)
        if cached is not None and cached.not_valid_after_utc > now:
            return cached
        try:
            pem = self.fetcher(url)
        except (ProviderUnavailable, ProviderRefused) as e:
            # we cannot tell whether it is PayPal's: refused now, PayPal delivers it again
            raise Refused(f"cannot fetch the certificate: {e}") from None
        try:
            chain = x509.load_pem_x509_certificates(pem)
        except ValueError:
            raise Refused("PAYPAL-CERT-URL does not hold PEM certificates") from None
        leaf = self._check_chain(chain, now)
        with self._lock:
            if len(self._cache) >= MAX_CACHED:
                self._cache.clear()
            self._cache[url] = leaf
        return leaf

    def _fetch(self, url: str) -> bytes:
        if self._context is None:
            self._context = ssl.create_default_context(cafile=self.ca_file or None)
        return fetch(url, timeout=10.0, context=self._context)

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if (parts.scheme != "https" or parts.username or parts.password
                or (parts.hostname or "").lower() not in self.hosts
                or not parts.path.startswith(CERT_PATH) or parts.query or parts.fragment):
            raise Refused(f"PAYPAL-CERT-URL {url[:200]!r} is not on an allowed PayPal host")

    def _check_chain(self, chain: list[x509.Certificate], now: datetime) -> x509.Certificate:
        if not chain:
            raise Refused("PAYPAL-CERT-URL holds no certificate")
        leaf = chain[0]
        names = [a.value for a in leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
        if self.common_name not in names:
            raise Refused(f"the certificate is for {names}, not {self.common_name}")
        for cert in chain:
            if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
                raise Refused(f"certificate {cert.subject.rfc4514_string()} is not valid now")
        for child, issuer in itertools.pairwise(chain):
            if not _signed_by(child, issuer) or not _is_ca(issuer):
                raise Refused(f"{child.subject.rfc4514_string()} is not issued by the next "
                              "certificate of the chain")
        top = chain[-1]
        if not any(_signed_by(top, root) and _is_ca(root)
                   and root.not_valid_before_utc <= now <= root.not_valid_after_utc
                   for root in self.roots):
            raise Refused(f"the chain of {leaf.subject.rfc4514_string()} does not end at a "
                          "trusted root")
        return leaf

    @property
    def roots(self) -> list[x509.Certificate]:
        if self._roots is None:
            self._roots = self._roots_source()
        return self._roots


def _signed_by(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):  # not its issuer, another key type
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False
