"""WHOIS answers as text, in the key: value layout of ICANN's registry agreements
(Specification 4), with "REDACTED FOR PRIVACY" where the disclosure rule withholds an
element (registry.rdds_disclosure, the same rule RDAP follows)."""

from __future__ import annotations

from datetime import UTC, datetime

from registry.names import unicode_name
from registry.rdds_disclosure import PublicContact, public_contacts
from registry.registration_data import DomainRecord, HostRecord, RegistrarRecord

REDACTED = "REDACTED FOR PRIVACY"
# the lines of a contact, by element, after the role's label
CONTACT_LINES = (("handle", "Registry {role} ID"), ("name", "{role} Name"),
                 ("org", "{role} Organization"), ("street", "{role} Street"),
                 ("city", "{role} City"), ("sp", "{role} State/Province"),
                 ("pc", "{role} Postal Code"), ("cc", "{role} Country"),
                 ("voice", "{role} Phone"), ("voice_ext", "{role} Phone Ext"),
                 ("fax", "{role} Fax"), ("fax_ext", "{role} Fax Ext"),
                 ("email", "{role} Email"))
FOOTER = ("URL of the ICANN Whois Inaccuracy Complaint Form: https://www.icann.org/wicf/",
          "For more information on domain status codes, please visit https://icann.org/epp")


def instant(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def domain_text(record: DomainRecord, now: datetime, rdap_url: str = "") -> str:
    sponsor = record.sponsor
    lines = [("Domain Name", record.name.upper())]
    if unicode_name(record.name) != record.name:
        lines.append(("Internationalized Domain Name", unicode_name(record.name)))
    lines += [("Registry Domain ID", record.roid)]
    if sponsor.url:
        lines.append(("Registrar URL", sponsor.url))
    if record.updated_at:
        lines.append(("Updated Date", instant(record.updated_at)))
    lines += [("Creation Date", instant(record.created_at)),
              ("Registry Expiry Date", instant(record.expires_at)),
              *_registrar_lines(sponsor)]
    lines += [("Domain Status", f"{s} https://icann.org/epp#{s}") for s in record.statuses]
    for contact in public_contacts(record):
        lines += _contact_lines(contact)
    lines += [("Name Server", h.name.upper()) for h in record.nameservers]
    lines.append(("DNSSEC", "signedDelegation" if record.ds_data or record.key_data
                  else "unsigned"))
    return _text(lines, now, rdap_url, record.tld.profile == "gtld")


def host_text(host: HostRecord, now: datetime, rdap_url: str = "") -> str:
    lines = [("Server Name", host.name.upper()),
             *(("IP Address", a) for a in host.addresses),
             *_registrar_lines(host.sponsor)]
    return _text(lines, now, rdap_url, False)


def registrar_text(registrar: RegistrarRecord, now: datetime, rdap_url: str = "") -> str:
    lines = [("Registrar Name", registrar.name), *_registrar_lines(registrar)[1:]]
    if registrar.url:
        lines.append(("Referral URL", registrar.url))
    return _text(lines, now, rdap_url, False)


def no_match(query: str, now: datetime) -> str:
    return _text([], now, "", False, f'No match for "{query}".')


def refusal(message: str) -> str:
    return f"{message}\r\n"


def _registrar_lines(r: RegistrarRecord) -> list[tuple[str, str]]:
    lines = [("Registrar", r.name)]
    if r.iana_id is not None:
        lines.append(("Registrar IANA ID", str(r.iana_id)))
    lines += [("Registrar Abuse Contact Email", r.abuse_email),
              ("Registrar Abuse Contact Phone", r.abuse_phone)]
    return lines


def _contact_lines(contact: PublicContact) -> list[tuple[str, str]]:
    out = []
    for element, label in CONTACT_LINES:
        key = label.format(role=contact.role_label)
        if element in contact.values:
            value = contact.values[element]
            out += [(key, v) for v in value] if isinstance(value, tuple) else [(key, value)]
        elif element in contact.redacted:
            out.append((key, REDACTED))
    return out


def _text(lines: list[tuple[str, str]], now: datetime, rdap_url: str, icann: bool,
          head: str = "") -> str:
    body = [head] if head else []
    body += [f"{k}: {v}" for k, v in lines]
    if icann:
        body += FOOTER
    body.append(f">>> Last update of WHOIS database: {instant(now)} <<<")
    if rdap_url:
        body.append(f"The same data, structured: RDAP at {rdap_url}")
    return "\r\n".join(body) + "\r\n"
