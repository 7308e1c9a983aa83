"""A stand-in for ICANN's Registry Reporting Interface on loopback, over HTTPS with a test
CA: it checks what a PUT must carry (the TLD's account by HTTP Basic, the path, the media
type, a well-formed report: an RDE report valid against rde-report.xsd when a schema is
given, a CSV with the report's header line) and answers in iirdea XML as ICANN does; a
HEAD of ``/info/report/...`` says whether it has a report (200) or not (404)."""

from __future__ import annotations

import base64
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lxml import etree

from certs.authority import create_ca, issue_server_cert

IIRDEA = "urn:ietf:params:xml:ns:iirdea-1.0"
KINDS = {"registry-escrow-report": "text/xml", "registrar-transactions": "text/csv",
         "registry-functions-activity": "text/csv"}
CSV_START = {"registrar-transactions": "registrar-name,",
             "registry-functions-activity": "operational-registrars,"}


def iirdea(code: int, message: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><response xmlns="{IIRDEA}">'
            f'<result code="{code}"><msg>{message}</msg></result></response>').encode()


class IcannStandIn:
    def __init__(self, directory: Path, passwords: dict[str, str],
                 schema: etree.XMLSchema | None = None) -> None:
        self.ca = create_ca(directory / "ca", common_name="Stand-in ICANN CA")
        cert = issue_server_cert(self.ca, directory / "server")
        self.passwords = passwords          # account ("example_ry") -> password
        self.schema = schema
        self.received: dict[str, bytes] = {}   # path -> body of each PUT taken
        self.refused: list[tuple[str, int]] = []
        self.fail_next: int = 0             # answer the next PUTs with 500
        self.lose_next: int = 0             # answer the next PUTs 1000 but keep nothing
        self.heads: list[tuple[str, int]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self) -> None:
                status, body = stand_in._put(self.path, self.headers,
                                             self.rfile.read(int(self.headers["Content-Length"])))
                if status != 200:
                    stand_in.refused.append((self.path, status))
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_HEAD(self) -> None:
                status = stand_in._head(self.path, self.headers)
                stand_in.heads.append((self.path, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert.cert), str(cert.key))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _put(self, path: str, headers, body: bytes) -> tuple[int, bytes]:
        if self.fail_next:
            self.fail_next -= 1
            return 500, iirdea(2500, "Internal server error, try again later")
        parts = path.split("/")
        if len(parts) != 5 or parts[1] != "report" or parts[2] not in KINDS:
            return 404, b""
        kind, tld = parts[2], parts[3]
        account = self._account(headers.get("Authorization", ""))
        if account is None:
            return 401, b""
        if account != f"{tld}_ry":
            return 403, iirdea(2003, f"the account {account} is not .{tld}'s")
        if headers.get("Content-Type") != KINDS[kind]:
            return 400, iirdea(2002, f"the content type must be {KINDS[kind]}")
        if kind == "registry-escrow-report":
            try:
                report = etree.fromstring(body)
            except etree.XMLSyntaxError:
                return 400, iirdea(2001, "the report is not XML")
            if self.schema is not None and not self.schema.validate(report):
                return 400, iirdea(2001, "the report does not validate")
            if report.findtext("{*}id") != parts[4] or \
                    report.findtext("{*}header/{*}tld") != tld:
                return 400, iirdea(2004, "the report's id or TLD is not the URL's")
        elif not body.decode("utf-8").startswith(CSV_START[kind]):
            return 400, iirdea(2001, "the CSV does not start with the report's header")
        if self.lose_next:
            self.lose_next -= 1
        else:
            self.received[path] = body
        return 200, iirdea(1000, "Command completed successfully")

    def _head(self, path: str, headers) -> int:
        parts = path.split("/")
        if len(parts) != 6 or parts[1:3] != ["info", "report"] or parts[3] not in KINDS:
            return 404
        account = self._account(headers.get("Authorization", ""))
        if account is None:
            return 401
        if account != f"{parts[4]}_ry":
            return 403
        return 200 if "/" + "/".join(parts[2:]) in self.received else 404

    def _account(self, authorization: str) -> str | None:
        scheme, _, token = authorization.partition(" ")
        if scheme != "Basic":
            return None
        user, _, password = base64.b64decode(token).decode().partition(":")
        return user if self.passwords.get(user) == password else None

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(10)
