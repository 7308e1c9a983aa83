"""Amounts are integers in a currency's minor unit; this converts them to and from text."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .errors import ParameterSyntaxError

# ISO 4217 currencies whose minor unit is not 1/100.
MINOR_DIGITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "BHD": 3, "KWD": 3,
                "OMR": 3, "JOD": 3, "TND": 3}


def digits(currency: str) -> int:
    return MINOR_DIGITS.get(currency.upper(), 2)


def parse_amount(text: str, currency: str) -> int:
    """"12.50" USD -> 1250; more decimals than the currency has is an error, not a rounding."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise ParameterSyntaxError(f"{text!r} is not an amount") from None
    scaled = value.scaleb(digits(currency))
    if not value.is_finite() or scaled != scaled.to_integral_value():
        raise ParameterSyntaxError(f"{text!r} has more decimals than {currency} allows")
    return int(scaled)


def format_amount(minor: int, currency: str) -> str:
    """1250 USD -> "12.50"."""
    d = digits(currency)
    return str(Decimal(minor).scaleb(-d).quantize(Decimal(1).scaleb(-d))) if d else str(minor)


def check_currency(code: str) -> str:
    code = code.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ParameterSyntaxError(f"{code!r} is not an ISO 4217 currency code")
    return code
