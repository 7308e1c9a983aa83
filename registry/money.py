"""Amounts are integers in a currency's minor unit; this converts them to and from text."""

from __future__ import annotations

import re
from decimal import Decimal

from .errors import ParameterRangeError, ParameterSyntaxError, quoted

# ISO 4217 currencies whose minor unit is not 1/100.
MINOR_DIGITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "BHD": 3, "KWD": 3,
                "OMR": 3, "JOD": 3, "TND": 3}
# Amounts as people write them: the lexical form of XML Schema's decimal, which EPP's fee
# extension uses. No exponent ("1e3" is not a price anyone types), no NaN or infinity.
DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?", re.ASCII)
# The largest amount, in minor units (9,999,999,999,999.99 USD): far above any price or
# payment, and far enough below the 64-bit columns that sums of amounts cannot overflow them.
MAX_MINOR = 10**15 - 1


def digits(currency: str) -> int:
    return MINOR_DIGITS.get(currency.upper(), 2)


def parse_amount(text: str, currency: str) -> int:
    """"12.50" USD -> 1250; more decimals than the currency has is an error, not a rounding.

    Exact: the digits are read as written, never through a float or a rounding context."""
    text = str(text).strip()
    match = DECIMAL.fullmatch(text)
    if match is None or not (match[2] or match[3]):
        raise ParameterSyntaxError(
            f"{quoted(text)} is not an amount: write digits with at most one decimal point, "
            "like 12.50")
    sign, whole, fraction = match[1], match[2].lstrip("0"), (match[3] or "").rstrip("0")
    places = digits(currency)
    if len(fraction) > places:
        raise ParameterSyntaxError(
            f"{quoted(text)} has more decimals than {currency.upper()} allows ({places})")
    if len(whole) + places > len(str(MAX_MINOR)):
        raise _too_large(text, currency)
    minor = int(whole or "0") * 10**places + int(fraction.ljust(places, "0") or "0")
    if minor > MAX_MINOR:
        raise _too_large(text, currency)
    return -minor if sign == "-" else minor


def _too_large(text: str, currency: str) -> ParameterRangeError:
    return ParameterRangeError(f"{quoted(text)} is too large: amounts go up to "
                               f"{format_amount(MAX_MINOR, currency)} {currency.upper()}")


def format_amount(minor: int, currency: str) -> str:
    """1250 USD -> "12.50"."""
    d = digits(currency)
    return str(Decimal(minor).scaleb(-d).quantize(Decimal(1).scaleb(-d))) if d else str(minor)


def check_currency(code: str) -> str:
    code = code.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ParameterSyntaxError(f"{code!r} is not an ISO 4217 currency code")
    return code
