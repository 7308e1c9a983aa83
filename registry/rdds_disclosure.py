"""What RDAP and WHOIS may show of a domain's contacts: one rule for both services.

Under the gTLD profile the registry follows ICANN's Registration Data Policy: a TLD with the
minimum data set publishes no contacts; a thick one publishes the registrant's organisation,
state or province and country, and the technical contact's role, every other element
redacted; administrative and billing contacts are not published. Under a ccTLD's own profile
every contact is published as its EPP disclose preference (RFC 5733) says, with personal data
withheld unless the contact asked for it to be shown (an organisation is shown unless it
asked otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

from .registration_data import ContactRecord, DomainRecord

ROLES = {"registrant": "Registrant", "admin": "Admin", "tech": "Tech", "billing": "Billing"}
# Elements in the order services list them; each with the name ICANN's RDAP Response Profile
# gives its redaction (RFC 9537 "name"), "{role}" standing for the role's label.
ELEMENTS = {
    "handle": "Registry {role} ID", "name": "{role} Name", "org": "{role} Organization",
    "street": "{role} Street", "city": "{role} City", "sp": "{role} State/Province",
    "pc": "{role} Postal Code", "cc": "{role} Country", "voice": "{role} Phone",
    "voice_ext": "{role} Phone Ext", "fax": "{role} Fax", "fax_ext": "{role} Fax Ext",
    "email": "{role} Email",
}
GTLD_SHOWN = {"registrant": {"org", "sp", "cc"}, "tech": set()}
# EPP disclose fields (contact_data.DISCLOSE_FIELDS) and the elements each covers
DISCLOSE = {"name": "name", "org": "org", "addr": ("street", "city", "sp", "pc", "cc"),
            "voice": ("voice", "voice_ext"), "fax": ("fax", "fax_ext"), "email": "email"}


@dataclass(frozen=True)
class PublicContact:
    """A contact as published: ``values`` holds the shown elements (an element it lacks is
    not there), ``redacted`` the elements held but withheld, in ELEMENTS order."""

    role: str
    values: dict[str, str | tuple[str, ...]]
    redacted: tuple[str, ...]

    @property
    def role_label(self) -> str:
        return ROLES[self.role]

    def redaction_name(self, element: str) -> str:
        return ELEMENTS[element].format(role=self.role_label)


def public_contacts(domain: DomainRecord) -> tuple[PublicContact, ...]:
    """The domain's contacts as RDAP and WHOIS publish them, registrant first."""
    held = ([("registrant", domain.registrant)] if domain.registrant else []) + sorted(
        domain.contacts, key=lambda c: list(ROLES).index(c[0]))
    out = []
    for role, contact in held:
        if domain.tld.profile == "gtld":
            if domain.tld.data_model != "thick" or role not in GTLD_SHOWN:
                continue
            shown = GTLD_SHOWN[role]
        else:
            shown = _disclosed(contact)
        elements = contact_elements(contact)
        out.append(PublicContact(
            role, {k: v for k, v in elements.items() if k in shown},
            tuple(k for k in elements if k not in shown)))
    return tuple(out)


def contact_elements(contact: ContactRecord) -> dict[str, str | tuple[str, ...]]:
    """Every element the contact holds, unredacted (the localized postal form first)."""
    postal = next((p for p in contact.postal if p.type == "loc"), None) or (
        contact.postal[0] if contact.postal else None)
    values: dict[str, str | tuple[str, ...] | None] = {"handle": contact.handle}
    if postal:
        values.update(name=postal.name, org=postal.org, street=postal.street or None,
                      city=postal.city, sp=postal.sp, pc=postal.pc, cc=postal.cc)
    values.update(voice=contact.voice, voice_ext=contact.voice_ext, fax=contact.fax,
                  fax_ext=contact.fax_ext, email=contact.email)
    return {k: v for k in ELEMENTS if (v := values.get(k))}


def _disclosed(contact: ContactRecord) -> set[str]:
    """A ccTLD's rule: personal data only where the contact's disclose flag "1" lists it;
    the organisation and the country unless its flag "0" lists them."""
    disclose = contact.disclose or {"flag": False, "fields": []}
    named = {f.split(":")[0] for f in disclose.get("fields", ())}
    covered = {e for field in named for e in _as_tuple(DISCLOSE[field])}
    if disclose.get("flag"):
        return covered | {"org", "cc"}
    return {"org", "cc"} - covered


def _as_tuple(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else value
