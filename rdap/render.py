"""RFC 9083 responses from the registry's records: pure functions, no I/O.

A lookup's profile is its TLD's (``rdds_profile``); what belongs to no TLD (a name server, a
registrar, help, errors, searches) follows the server's ``[rdap] profile``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from registry.names import unicode_name
from registry.rdds_disclosure import public_contacts
from registry.registration_data import DomainRecord, HostRecord, RegistrarRecord

from .entities import contact_entity, registrar_entity
from .profile import Site, conformance, link, notices, truncated_notice
from .statuses import rdap_statuses


def instant(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _top(body: dict, profile: str, site: Site, context: str, redacted: list[dict]) -> dict:
    body["rdapConformance"] = conformance(profile, bool(redacted))
    body["notices"] = notices(profile, site, context)
    if redacted:
        body["redacted"] = redacted
    return body


def _names(name: str) -> dict:
    shown = unicode_name(name)
    return {"ldhName": name} | ({"unicodeName": shown} if shown != name else {})


def domain(record: DomainRecord, site: Site, now: datetime, *, port43: str = "",
           contacts: bool = True) -> tuple[dict, list[dict]]:
    """The domain object and its ``redacted`` entries; ``contacts`` False leaves the
    contacts out (search results)."""
    self_url = site.url(f"domain/{record.name}")
    events = [{"eventAction": "registration", "eventDate": instant(record.created_at)},
              {"eventAction": "expiration", "eventDate": instant(record.expires_at)}]
    if record.updated_at:
        events.append({"eventAction": "last changed", "eventDate": instant(record.updated_at)})
    if record.transferred_at:
        events.append({"eventAction": "transfer", "eventDate": instant(record.transferred_at)})
    events.append({"eventAction": "last update of RDAP database", "eventDate": instant(now)})
    entities = [registrar_entity(record.sponsor, site, self_url)]
    redacted: list[dict] = []
    if contacts:
        for contact in public_contacts(record):
            entity, entries = contact_entity(contact)
            entities.append(entity)
            redacted += entries
    secure: dict = {"delegationSigned": bool(record.ds_data or record.key_data)}
    if record.max_sig_life is not None:
        secure["maxSigLife"] = record.max_sig_life
    if record.ds_data:
        secure["dsData"] = [{"keyTag": d.key_tag, "algorithm": d.algorithm,
                             "digestType": d.digest_type, "digest": d.digest}
                            for d in record.ds_data]
    if record.key_data:
        secure["keyData"] = [{"flags": k.flags, "protocol": k.protocol,
                              "algorithm": k.algorithm, "publicKey": k.public_key}
                             for k in record.key_data]
    body = {"objectClassName": "domain", "handle": record.roid, **_names(record.name),
            "status": rdap_statuses(record.statuses), "events": events,
            "entities": entities,
            "nameservers": [nameserver_object(h, site, self_url) for h in record.nameservers],
            "secureDNS": secure, "links": [link(site, self_url, "self", self_url)]}
    if port43 and record.tld.whois_enabled:
        body["port43"] = port43
    return body, redacted


def domain_response(record: DomainRecord, site: Site, now: datetime, port43: str = "") -> dict:
    body, redacted = domain(record, site, now, port43=port43)
    return _top(body, record.tld.profile, site, body["links"][0]["href"], redacted)


def nameserver_object(host: HostRecord, site: Site, context: str | None = None) -> dict:
    self_url = site.url(f"nameserver/{host.name}")
    body = {"objectClassName": "nameserver", "handle": host.roid, **_names(host.name),
            "status": rdap_statuses(host.statuses),
            "links": [link(site, context or self_url, "self", self_url)]}
    v4 = [a for a in host.addresses if ":" not in a]
    v6 = [a for a in host.addresses if ":" in a]
    if v4 or v6:
        body["ipAddresses"] = {k: v for k, v in (("v4", v4), ("v6", v6)) if v}
    return body


def nameserver_response(host: HostRecord, site: Site, now: datetime, profile: str) -> dict:
    body = nameserver_object(host, site)
    self_url = body["links"][0]["href"]
    events = [{"eventAction": "registration", "eventDate": instant(host.created_at)}]
    if host.updated_at:
        events.append({"eventAction": "last changed", "eventDate": instant(host.updated_at)})
    events.append({"eventAction": "last update of RDAP database", "eventDate": instant(now)})
    body["events"] = events
    body["entities"] = [registrar_entity(host.sponsor, site, self_url)]
    return _top(body, profile, site, self_url, [])


def registrar_response(registrar: RegistrarRecord, site: Site, now: datetime,
                       profile: str) -> dict:
    self_url = site.url(f"entity/{registrar.handle}")
    body = registrar_entity(registrar, site, self_url)
    body["events"] = [
        {"eventAction": "registration", "eventDate": instant(registrar.created_at)},
        {"eventAction": "last update of RDAP database", "eventDate": instant(now)}]
    body["status"] = ["active" if registrar.status == "ok" else "inactive"]
    return _top(body, profile, site, self_url, [])


def domain_search_response(records: list[DomainRecord], truncated: bool, limit: int,
                           site: Site, now: datetime, profile: str, query_url: str) -> dict:
    """Each result without its contacts: a search lists names; the lookup shows the rest."""
    results = [domain(r, site, now, contacts=False)[0] for r in records]
    return _search({"domainSearchResults": results}, truncated, limit, profile, site,
                   query_url)


def nameserver_search_response(hosts: list[HostRecord], truncated: bool, limit: int,
                               site: Site, profile: str, query_url: str) -> dict:
    results = [nameserver_object(h, site) for h in hosts]
    return _search({"nameserverSearchResults": results}, truncated, limit, profile, site,
                   query_url)


def entity_search_response(registrars: list[RegistrarRecord], truncated: bool, limit: int,
                           site: Site, profile: str, query_url: str) -> dict:
    """Registrars only: contacts are shown inside their domains, never searched."""
    results = []
    for registrar in registrars:
        result = registrar_entity(registrar, site, query_url)
        result["status"] = ["active" if registrar.status == "ok" else "inactive"]
        results.append(result)
    return _search({"entitySearchResults": results}, truncated, limit, profile, site,
                   query_url)


def _search(body: dict, truncated: bool, limit: int, profile: str, site: Site,
            query_url: str) -> dict:
    _top(body, profile, site, query_url, [])
    if truncated:
        body["notices"].append(truncated_notice(limit))
    return body


def help_response(site: Site, profile: str) -> dict:
    url = site.url("help")
    body = {"notices": [{
        "title": "Queries",
        "description": [
            "domain/NAME (A-label or U-label), nameserver/NAME, entity/IANA-REGISTRAR-ID, "
            "help; searches: domains?name=PATTERN, nameservers?name=PATTERN, "
            "nameservers?ip=ADDRESS, entities?fn=PATTERN and entities?handle=PATTERN "
            "(registrars). A pattern ends in * after at least two characters "
            "(exa*, exa*.example)."],
        "links": [link(site, url, "self", url)]}]}
    body["rdapConformance"] = conformance(profile)
    body["notices"] += notices(profile, site, url)
    return body


def error_response(code: int, title: str, description: str, profile: str) -> dict:
    return {"rdapConformance": conformance(profile), "errorCode": code, "title": title,
            "description": [description]}
