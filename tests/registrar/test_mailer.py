"""Users' mail: every template renders (text and HTML, values escaped in HTML), delivery to
a Maildir and by SMTP to a real server (aiosmtpd): plain, STARTTLS with AUTH, a refused
recipient (a failed row), a server that is down (an outage: nothing counted)."""
# A wrong SMTP password is also an outage (SmtpUnavailable, as the server is unusable until
# the configuration is fixed); aiosmtpd answers a failed AUTH only after its 30-second
# timeout, so the suite does not wait for it.

from __future__ import annotations

import mailbox
import ssl
from dataclasses import replace
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from certs.authority import create_ca, issue_server_cert
from registrar.config import MailSettings
from registrar.mail import TEMPLATES
from registrar.mailer import Mailer, SmtpUnavailable, mail_consumer
from registry.clock import FixedClock
from registry.events.delivery import Batch, Delivery
from tests.registrar.conftest import PASSWORD, TEST_SETTINGS, mails
from tests.zonegen.zonegen_helpers import free_port

SAMPLE = {
    "link": "https://site.test/x?token=abc", "token": "abc", "hours": 48, "minutes": 30,
    "enabled": True, "name": "<b>bücher.example</b>", "prefix": "pk_1", "scopes": ["read"],
    "order_id": 7, "items": [{"operation": "create", "name": "a.example", "years": 1,
                              "price": 1000, "error": "in use"}],
    "total": "10.00", "refunded": "10.00", "currency": "USD", "days": 7, "expires":
    "2027-01-01", "auto_renew": True, "renew_days": 7, "reason": "no funds",
    "sender": "ann@example.net", "recipient": "bob@example.net", "action_at": "2027-01-06",
    "payment_id": 3, "provider": "stripe pi_1", "amount": "25.00", "balance": "-5.00",
    "what": "refund", "names": ["<b>bücher.example</b>"],
}


@pytest.fixture
def mailer(tmp_path):
    return Mailer(MailSettings(), TEST_SETTINGS, tmp_path, FixedClock())


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_renders_text_and_escaped_html(mailer, template):
    msg = mailer.render(template, "ann@example.net", SAMPLE, 42)
    assert msg["Subject"] and "{" not in msg["Subject"]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert text.strip() and "<html" in html and msg["Message-ID"] == "<mail-42@pyrar.test>"
    assert "<b>bücher" not in html  # values are escaped in HTML


def test_the_consumer_delivers_to_the_maildir_once(core, world, tmp_path):
    mailer = Mailer(MailSettings(), TEST_SETTINGS, tmp_path, world.clock)
    core.register("ann@example.net", PASSWORD)
    (queued,) = mails(world, "verify")
    consumer = mail_consumer(world.registry, mailer)
    try:
        consumer.run_once()
        assert consumer.run_once() is None  # acknowledged: not again
    finally:
        consumer.doorbell.close()
    (msg,) = list(mailbox.Maildir(mailer.maildir, create=False))
    assert msg["To"] == "ann@example.net" and msg["Subject"] == "Confirm your email address"
    assert queued["values"]["link"] in msg.get_payload()[0].get_payload(decode=True).decode()


class Collect:
    def __init__(self, refuse: str = "") -> None:
        self.messages, self.refuse = [], refuse

    async def handle_RCPT(self, server, session, envelope, address, options):
        if address == self.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(
            envelope.content, policy=policy.default), session.authenticated))
        self.helo = session.host_name
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"site" and auth_data.password == b"smtp-secret"
    return AuthResult(success=ok)


@pytest.fixture
def smtp(tmp_path):
    ca = create_ca(tmp_path / "ca")
    cert = issue_server_cert(ca, tmp_path / "srv")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert.cert, cert.key)
    handler = Collect(refuse="gone@example.net")
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=context,
                            authenticator=_authenticate, auth_require_tls=True)
    controller.start()
    yield handler, port, ca.cert
    controller.stop()


def _batch(*rows: tuple[int, str, str]) -> Batch:
    from datetime import UTC, datetime
    return Batch([Delivery(i, "mail.send", {"to": to, "template": t, "values": SAMPLE},
                           datetime(2026, 1, 1, tzinfo=UTC), 0) for i, to, t in rows])


def test_smtp_with_starttls_and_auth(mailer, smtp):
    handler, port, ca = smtp
    mailer.settings = replace(MailSettings(), transport="smtp", smtp_port=port,
                              smtp_security="starttls", smtp_username="site",
                              smtp_password="smtp-secret")
    mailer.ca_file = ca
    batch = _batch((1, "ann@example.net", "receipt"), (2, "gone@example.net", "receipt"))
    mailer.handle(batch)
    assert batch.acked == [1] and "refused" in batch.failed[2]
    ((rcpts, msg, authenticated),) = handler.messages
    assert rcpts == ["ann@example.net"] and authenticated
    assert msg["Subject"] == "Receipt for order 7"
    assert handler.helo == "site.test"      # the site's name: no lookup of the machine's


def test_an_smtp_server_that_is_down_is_an_outage(mailer):
    mailer.settings = replace(MailSettings(), transport="smtp", smtp_port=free_port())
    batch = _batch((1, "ann@example.net", "receipt"))
    with pytest.raises(SmtpUnavailable):
        mailer.handle(batch)
    assert batch.settled == 0


def test_a_template_that_cannot_render_fails_its_row(mailer):
    batch = Batch([Delivery(1, "mail.send", {"to": "a@b.example", "template": "receipt",
                                             "values": {}}, None, 0)])
    mailer.handle(batch)
    assert "cannot render" in batch.failed[1]
