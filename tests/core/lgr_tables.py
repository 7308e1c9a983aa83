"""IDN tables (RFC 7940 LGR subset) the IDN tests load: Latin and Greek with o and the
Greek omicron as blocked variants, Han with allocatable simplified/traditional variants."""

from __future__ import annotations

LGR = "urn:ietf:params:xml:ns:lgr-1.0"


def lgr(tag: str, data: str) -> bytes:
    return (f'<?xml version="1.0" encoding="utf-8"?><lgr xmlns="{LGR}"><meta>'
            f"<version>1</version><language>{tag}</language></meta><data>{data}</data></lgr>"
            ).encode()


# Latin with the Greek omicron as a blocked (out-of-repertoire) variant of "o", and the
# reverse in the Greek table: the classic homoglyph pair.
LATIN = lgr("und-Latn", '<range first-cp="0061" last-cp="006E"/>'
            '<char cp="006F"><var cp="03BF" type="out-of-repertoire-var"/></char>'
            '<range first-cp="0070" last-cp="007A"/><char cp="00E9"/>')
GREEK = lgr("und-Grek", '<range first-cp="03B1" last-cp="03BE"/>'
            '<char cp="03BF"><var cp="006F" type="blocked"/></char>'
            '<range first-cp="03C0" last-cp="03C9"/>')
# Simplified and traditional "country": allocatable variants of each other.
HAN = lgr("und-Hani", '<char cp="4E2D"/><char cp="56FD"><var cp="570B" type="allocatable"/>'
          '</char><char cp="570B"><var cp="56FD" type="allocatable"/></char>')
