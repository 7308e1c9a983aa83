"""``pyrar registrar cert CLID``: a registrar's TLS client certificate, issued by the CA that
eppd checks clients against (``[eppd] ca``), its fingerprint recorded on the registrar."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from certs.authority import (
    LEAF_DAYS,
    Authority,
    AuthorityError,
    check_file_stem,
    client_certificate,
    load_authority,
)
from certs.files import CertFiles, write_new
from certs.fingerprint import fingerprint_der
from eppd.config import EppdSettings
from registry.admin.registrars import get_registrar, update_registrar
from registry.config import Config

from .arguments import whole_number
from .context import CliError


@dataclass(frozen=True)
class CaSettings:
    """``[ca]``: ``key`` is the private key of ``[eppd] ca`` (relative to the configuration
    file), which ``pyrar registrar cert`` signs with. ``pyrar init`` sets the sandbox's;
    empty, no certificate is issued here (a production CA's key may live elsewhere)."""

    key: str = ""


def register(registrar_actions) -> None:
    p = registrar_actions.add_parser(
        "cert", help="issue a client certificate from the configured CA and record it")
    p.add_argument("clid")
    p.add_argument("--out", metavar="DIR", default=".",
                   help="where to write CLID.pem and CLID.key (default: here)")
    p.add_argument("--days", type=whole_number(1, LEAF_DAYS), default=LEAF_DAYS,
                   help=f"validity (default and most: {LEAF_DAYS})")
    p.add_argument("--failover", action="store_true",
                   help="record it as the failover certificate and keep the primary one "
                        "(to rotate certificates without a gap)")
    p.set_defaults(run=run_cert)


def run_cert(ctx, args) -> None:
    ca_cert, authority = _authority(ctx.config)
    try:
        check_file_stem(args.clid)
    except ValueError as e:
        raise CliError(str(e)) from None
    out = Path(args.out)
    if not out.is_dir():
        raise CliError(f"--out {out} is not a directory")
    files = CertFiles(cert=out / f"{args.clid}.pem", key=out / f"{args.clid}.key")
    issued = client_certificate(authority, args.clid, args.days)
    new = fingerprint_der(issued.cert.public_bytes(Encoding.DER))

    def record(c) -> str:
        registrar = get_registrar(c, args.clid, lock=True)
        if args.failover and registrar.cert_fingerprint:
            update_registrar(c, registrar, fingerprints=(registrar.cert_fingerprint, new))
            return "its failover certificate; the primary one stays"
        before = {registrar.cert_fingerprint, registrar.cert_fingerprint_failover} - {None}
        update_registrar(c, registrar, fingerprints=(new,))
        return "its only certificate" + (
            "; the one(s) it had no longer log in" if before else "")

    try:
        write_new(files, issued.cert, issued.key)
    except FileExistsError as e:
        raise CliError(f"{e.filename} exists; nothing written (remove it or choose another "
                       "--out)") from None
    except OSError as e:
        raise CliError(f"cannot write in {out}: {e.strerror or e}") from None
    try:
        role = ctx.task(record, "registrar_cert")
    except BaseException:
        for path in (files.cert, files.key):
            path.unlink(missing_ok=True)
        raise
    print(f"registrar {args.clid}: certificate {files.cert}, key {files.key} (valid until "
          f"{issued.cert.not_valid_after_utc:%Y-%m-%d}); give them with the CA {ca_cert}")
    print(f"fingerprint {new} recorded as {role}")


def _authority(config: Config) -> tuple[Path, Authority]:
    ca_cert = config.resolve(config.section("eppd", EppdSettings).ca)
    key = config.section("ca", CaSettings).key
    if not key:
        where = f" in {config.path}" if config.path else ""
        raise CliError(f"no CA key configured: set [ca] key{where} to the private key of the "
                       f"CA eppd trusts ([eppd] ca: {ca_cert})")
    try:
        return ca_cert, load_authority(CertFiles(cert=ca_cert, key=config.resolve(key)))
    except AuthorityError as e:
        raise CliError(str(e)) from None
