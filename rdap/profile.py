"""What a response carries for its profile: ``rdapConformance`` and the notices.

The gTLD profile is ICANN's RDAP Response Profile and Technical Implementation Guide
(February 2024); the ccTLD profile is plain RFC 9083 with the registry's terms of use.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVEL_0 = "rdap_level_0"
GTLD_CONFORMANCE = (LEVEL_0, "icann_rdap_response_profile_1",
                    "icann_rdap_technical_implementation_guide_1")
REDACTED = "redacted"  # RFC 9537
MEDIA_TYPE = "application/rdap+json"


@dataclass(frozen=True)
class Site:
    """Where responses point: the public base URL (ending in /) and the terms of use."""

    base: str
    terms_url: str

    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")


def conformance(profile: str, redacted: bool = False) -> list[str]:
    values = list(GTLD_CONFORMANCE if profile == "gtld" else (LEVEL_0,))
    return [*values, REDACTED] if redacted else values


def link(site: Site, context: str, rel: str, href: str, media: str = MEDIA_TYPE) -> dict:
    return {"value": context, "rel": rel, "href": href, "type": media}


def notices(profile: str, site: Site, context: str) -> list[dict]:
    """``context``: the URL of the query the notices answer (each link's "value")."""
    out = [{
        "title": "Terms of Use",
        "description": ["Registration data is provided for lawful purposes only, under the "
                        "registry's terms of use."],
        "links": [link(site, context, "terms-of-service", site.terms_url, "text/html")],
    }]
    if profile == "gtld":
        out += [{
            "title": "Status Codes",
            "description": ["For more information on domain status codes, please visit "
                            "https://icann.org/epp"],
            "links": [link(site, context, "glossary", "https://icann.org/epp", "text/html")],
        }, {
            "title": "RDDS Inaccuracy Complaint Form",
            "description": ["URL of the ICANN RDDS Inaccuracy Complaint Form: "
                            "https://icann.org/wicf"],
            "links": [link(site, context, "help", "https://icann.org/wicf", "text/html")],
        }]
    return out


def truncated_notice(limit: int) -> dict:
    """RFC 9083 section 10.2.1: a search that found more than it answers says so."""
    return {"title": "Search Policy",
            "type": "result set truncated due to unexplainable reasons",
            "description": [f"Search results are limited to {limit} objects."]}
