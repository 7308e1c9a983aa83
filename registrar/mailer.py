"""Rendering and delivering users' mail (the ``mail`` consumer of ``mail.send`` events):
Jinja2 templates (registrar/templates/mail: NAME.txt, its first line the subject, and
NAME.html), a multipart/alternative message, delivered to a Maildir or by SMTP
(STARTTLS/TLS and AUTH as configured).

At least once: a row is acknowledged after delivery, so a crash in between delivers it
again; the Message-ID comes from the event's id, so the copies are recognisable as one.
An SMTP server that cannot be reached is an outage (nothing counted, tried again later);
a message it refuses is a failed row (backoff, then the dead letter)."""

from __future__ import annotations

import logging
import mailbox
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from registry.clock import Clock, SystemClock
from registry.events.consumer import Consumer
from registry.events.delivery import Batch, Delivery
from registry.events.store import RegistryEvents
from registry.service import Registry

from .config import MailSettings, RegistrarSettings

log = logging.getLogger("pyrar.registrar.mail")
TEMPLATES = Path(__file__).parent / "templates" / "mail"


class SmtpUnavailable(Exception):
    """The SMTP server cannot be reached: the consumer waits and tries again."""


class Mailer:
    def __init__(self, settings: MailSettings, site: RegistrarSettings, base_dir: Path,
                 clock: Clock | None = None) -> None:
        self.settings, self.site = settings, site
        self.maildir = base_dir / settings.maildir
        self.ca_file = base_dir / settings.smtp_ca_file if settings.smtp_ca_file else None
        self.clock = clock or SystemClock()
        # the EHLO name, given: smtplib would otherwise look the machine's own name up
        # through the resolver (a DNS query leaving the host when /etc/hosts lacks it)
        self.helo = urlsplit(site.site_url).hostname or "localhost"
        self.env = Environment(loader=FileSystemLoader(TEMPLATES),
                               autoescape=select_autoescape(["html"]),
                               undefined=StrictUndefined, keep_trailing_newline=True)

    def render(self, template: str, to: str, values: dict, event_id: int) -> EmailMessage:
        values = {**values, "site_name": self.settings.site_name,
                  "site_url": self.site.site_url}
        subject, _, text = self.env.get_template(f"{template}.txt").render(values).partition(
            "\n")
        html = self.env.get_template(f"{template}.html").render(values)
        msg = EmailMessage()
        msg["Subject"] = subject.strip()
        msg["From"] = self.settings.from_address
        msg["To"] = to
        msg["Date"] = format_datetime(self.clock.now())
        domain = self.settings.from_address.rpartition("@")[2].strip(">") or "pyrar.test"
        msg["Message-ID"] = f"<mail-{event_id}@{domain}>"
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-PyRar-Message"] = template  # for filters (and tests)
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
        return msg

    def deliver(self, messages: list[EmailMessage]) -> None:
        if self.settings.transport == "maildir":
            box = mailbox.Maildir(self.maildir, create=True)
            for msg in messages:
                box.add(msg)
            return
        self._smtp(messages)

    def _smtp(self, messages: list[EmailMessage]) -> None:
        s = self.settings
        try:
            if s.smtp_security == "tls":
                smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, self.helo,
                                        timeout=s.smtp_timeout, context=self._tls())
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, self.helo,
                                    timeout=s.smtp_timeout)
        except (OSError, smtplib.SMTPException) as e:
            raise SmtpUnavailable(f"SMTP {s.smtp_host}:{s.smtp_port}: {e}") from None
        with smtp:
            try:
                if s.smtp_security == "starttls":
                    smtp.starttls(context=self._tls())
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password)
            except (OSError, smtplib.SMTPException) as e:
                raise SmtpUnavailable(f"SMTP {s.smtp_host}:{s.smtp_port}: {e}") from None
            for msg in messages:
                smtp.send_message(msg)

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)

    def handle(self, batch: Batch) -> None:
        for delivery in batch.deliveries:
            try:
                msg = self._message(delivery)
            except Exception as e:  # a template or payload that cannot make a message
                log.error("mail event %d cannot be rendered: %s", delivery.id, e)
                batch.fail(delivery.id, f"cannot render: {e}")
                continue
            try:
                self.deliver([msg])
            except smtplib.SMTPResponseException as e:
                if e.smtp_code >= 500:
                    batch.fail(delivery.id, f"refused by the SMTP server: {e.smtp_code}")
                    continue
                raise SmtpUnavailable(f"SMTP answered {e.smtp_code}") from None
            except smtplib.SMTPRecipientsRefused:
                batch.fail(delivery.id, "the SMTP server refused the recipient")
                continue
            except (OSError, smtplib.SMTPException) as e:  # the connection broke
                raise SmtpUnavailable(str(e)) from None
            batch.ack([delivery.id])

    def _message(self, delivery: Delivery) -> EmailMessage:
        p = delivery.payload
        return self.render(p["template"], p["to"], p.get("values") or {}, delivery.id)


def mail_consumer(registry: Registry, mailer: Mailer, **kwargs) -> Consumer:
    return Consumer(RegistryEvents(registry), "mail", mailer.handle, clock=registry.clock,
                    retry=registry.retry_policy, doorbell=registry.wakeup.doorbell("mail"),
                    outages=(SmtpUnavailable,), **kwargs)
