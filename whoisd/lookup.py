"""One WHOIS query, answered: what the line asks for, read from the registry, as text.

A query is a domain name (A- or U-labels), or ``domain NAME``, ``nameserver NAME``,
``registrar ID`` (IANA Registrar ID, or the registrar's EPP client id).
"""

from __future__ import annotations

from registry.errors import EppError, ParameterPolicyError
from registry.names import lookup_name, normalize_host_name
from registry.rdds_source import RegistrySource

from . import render

KEYWORDS = ("domain", "nameserver", "registrar")


def answer(source: RegistrySource, query: str, rdap_url: str = "") -> str:
    keyword, _, rest = query.strip().partition(" ")
    if keyword.lower() in KEYWORDS and rest.strip():
        kind, key = keyword.lower(), rest.strip()
    else:
        kind, key = "domain", query.strip()
    if not key or any(c.isspace() for c in key):
        return render.refusal("Query: a domain name, or domain NAME, nameserver NAME, "
                              "registrar ID.")
    now = source.now()
    if kind == "registrar":
        registrar = source.registrar(key)
        return (render.registrar_text(registrar, now, rdap_url) if registrar
                else render.no_match(key, now))
    if kind == "nameserver":
        try:
            host = source.nameserver(normalize_host_name(key))
        except EppError:
            return render.refusal(f'"{key}" is not a name server name.')
        return render.host_text(host, now, rdap_url) if host else render.no_match(key, now)
    try:
        name = lookup_name(key)
    except ParameterPolicyError:
        return render.no_match(key, now)
    except EppError:
        return render.refusal(f'"{key}" is not a domain name.')
    tld = source.tld(name.split(".", 1)[1])
    if tld is None:
        return render.no_match(key, now)
    if not tld.whois_enabled:
        where = f" at {rdap_url}" if rdap_url else ""
        return render.refusal(f"WHOIS is not offered for .{tld.name}; its registration "
                              f"data is published over RDAP{where}.")
    record = source.domain(name)
    return render.domain_text(record, now, rdap_url) if record else render.no_match(key, now)
