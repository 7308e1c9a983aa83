"""Entities: the sponsoring registrar (with its abuse contact) and a domain's contacts as
jCards (RFC 7095), with the RFC 9537 ``redacted`` entries for what a contact withholds."""

from __future__ import annotations

from registry.rdds_disclosure import PublicContact
from registry.registration_data import RegistrarRecord

from .profile import Site, link

RDAP_ROLES = {"registrant": "registrant", "admin": "administrative", "tech": "technical",
              "billing": "billing"}
VERSION = ["version", {}, "text", "4.0"]


def registrar_entity(registrar: RegistrarRecord, site: Site, context: str) -> dict:
    """ICANN's profile: handle and public id the IANA Registrar ID, an abuse entity with an
    email address and a phone number."""
    entity: dict = {
        "objectClassName": "entity", "handle": registrar.handle, "roles": ["registrar"],
        "vcardArray": ["vcard", [VERSION, ["fn", {}, "text", registrar.name]]],
        "links": [link(site, context, "self", site.url(f"entity/{registrar.handle}"))],
    }
    if registrar.iana_id is not None:
        entity["publicIds"] = [{"type": "IANA Registrar ID",
                                "identifier": str(registrar.iana_id)}]
    if registrar.url:
        entity["links"].append(link(site, context, "about", registrar.url, "text/html"))
    if registrar.abuse_email or registrar.abuse_phone:
        card = [VERSION, ["fn", {}, "text", "Abuse contact"]]
        if registrar.abuse_phone:
            card.append(["tel", {"type": ["voice"]}, "uri", tel(registrar.abuse_phone)])
        if registrar.abuse_email:
            card.append(["email", {}, "text", registrar.abuse_email])
        entity["entities"] = [{"objectClassName": "entity", "roles": ["abuse"],
                               "vcardArray": ["vcard", card]}]
    return entity


def tel(number: str, ext: str | None = None) -> str:
    """An EPP phone number (+CC.NUMBER) as a tel URI (RFC 3966)."""
    return f"tel:{number}" + (f";ext={ext}" if ext else "")


def contact_entity(contact: PublicContact) -> tuple[dict, list[dict]]:
    """The entity, and the ``redacted`` entries for it (paths from the response's top)."""
    v = contact.values
    card: list = [VERSION, ["fn", {}, "text", v.get("name", "")]]
    if "org" in v:
        card.append(["org", {}, "text", v["org"]])
    address = {k: v[k] for k in ("street", "city", "sp", "pc", "cc") if k in v}
    if address:
        street = v.get("street", ())
        card.append(["adr", {"cc": address["cc"]} if "cc" in address else {}, "text",
                     ["", "", list(street) if len(street) > 1 else "".join(street),
                      v.get("city", ""), v.get("sp", ""), v.get("pc", ""), ""]])
    if "voice" in v:
        card.append(["tel", {"type": ["voice"]}, "uri", tel(v["voice"], v.get("voice_ext"))])
    if "fax" in v:
        card.append(["tel", {"type": ["fax"]}, "uri", tel(v["fax"], v.get("fax_ext"))])
    if "email" in v:
        card.append(["email", {}, "text", v["email"]])
    role = RDAP_ROLES[contact.role]
    entity: dict = {"objectClassName": "entity", "roles": [role],
                    "vcardArray": ["vcard", card]}
    if "handle" in v:
        entity["handle"] = v["handle"]
    return entity, [_redaction(contact, role, e, bool(address)) for e in contact.redacted]


# Where each withheld element would have been in the jCard; "adr" parts are emptied (the
# address is there with its other parts) unless the whole address is withheld.
_CARD = "vcardArray[1][?(@[0]=='{}')]"
_ADR_PART = {"street": 2, "city": 3, "sp": 4, "pc": 5}


def _redaction(contact: PublicContact, role: str, element: str, has_address: bool) -> dict:
    entity = f"$.entities[?(@.roles[0]=='{role}')]"
    entry: dict = {"name": {"type": contact.redaction_name(element)}}
    if element == "name":
        entry.update(postPath=f"{entity}.{_CARD.format('fn')}[3]", method="emptyValue")
    elif element in _ADR_PART and has_address:
        entry.update(postPath=f"{entity}.{_CARD.format('adr')}[3][{_ADR_PART[element]}]",
                     method="emptyValue")
    elif element == "cc" and has_address:
        entry.update(prePath=f"{entity}.{_CARD.format('adr')}[1].cc", method="removal")
    elif element == "handle":
        entry.update(prePath=f"{entity}.handle", method="removal")
    elif element in ("voice", "voice_ext", "fax", "fax_ext"):
        kind = element.split("_")[0]
        entry.update(prePath=f"{entity}.vcardArray[1][?(@[1].type=='{kind}')]",
                     method="removal")
    else:
        card = {"org": "org", "email": "email"}.get(element, "adr")
        entry.update(prePath=f"{entity}.{_CARD.format(card)}", method="removal")
    entry.update(pathLang="jsonpath", reason={"description": "Server policy"})
    return entry
