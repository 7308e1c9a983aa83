"""``[payments]`` and its tables ``[payments.stripe]``, ``[payments.paypal]``,
``[payments.nowpayments]``: a provider is offered when its table is there.

Secrets come from the environment (``PYRAR_PAYMENTS_<PROVIDER>_<KEY>``, which
``registry.config`` files under ``[payments]`` as ``<provider>_<key>``), or from a file named
by ``<key>_file`` (relative to the configuration file), or, for tests, the table itself. They
are never logged nor shown: ``repr`` leaves them out."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from registry.config import Config, ConfigError

PROVIDERS = ("stripe", "paypal", "nowpayments")


@dataclass(frozen=True)
class StripeSettings:
    secret_key: str = field(default="", repr=False)
    webhook_secret: str = field(default="", repr=False)
    api_base: str = "https://api.stripe.com"
    # how old a Stripe-Signature timestamp may be, and how far in the future
    tolerance_seconds: int = 300
    # top-ups save the card (setup_future_usage) so that an auto-renewal the balance cannot
    # pay is charged to it off-session
    save_cards: bool = True


@dataclass(frozen=True)
class PayPalSettings:
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    webhook_id: str = ""  # the id PayPal gave the webhook: part of what it signs
    api_base: str = "https://api-m.paypal.com"
    # the only hosts PAYPAL-CERT-URL may name (https), and the name the certificate bears
    cert_hosts: tuple[str, ...] = ("api.paypal.com", "api-m.paypal.com",
                                   "api.sandbox.paypal.com", "api-m.sandbox.paypal.com")
    cert_common_name: str = "messageverificationcerts.paypal.com"
    # the roots (PEM) the certificate's chain must end at, and the https fetch of it trusts;
    # empty: the system's
    ca_file: str = ""
    tolerance_seconds: int = 300
    # test mode only (a sandbox, which has no PayPal to fetch from): the chain every allowed
    # PAYPAL-CERT-URL stands for, read from this file (PEM) and checked as a fetched one is
    cert_file: str = ""


@dataclass(frozen=True)
class NowPaymentsSettings:
    api_key: str = field(default="", repr=False)
    ipn_secret: str = field(default="", repr=False)
    api_base: str = "https://api.nowpayments.io"


SECRETS = {"stripe": ("secret_key", "webhook_secret"), "paypal": ("client_secret",),
           "nowpayments": ("api_key", "ipn_secret")}
REQUIRED = {"stripe": ("secret_key", "webhook_secret"),
            "paypal": ("client_id", "client_secret", "webhook_id"),
            "nowpayments": ("api_key", "ipn_secret")}
SCHEMAS = {"stripe": StripeSettings, "paypal": PayPalSettings,
           "nowpayments": NowPaymentsSettings}


@dataclass(frozen=True)
class PaymentSettings:
    # what one top-up may be, in minor units of the site's currency
    min_amount: int = 500
    max_amount: int = 1_000_000
    # a webhook body larger than this is refused unread
    webhook_max_bytes: int = 65536
    # a crypto payment above the amount asked is credited up to this much more (see
    # docs/payments.md); the rest is left to the operator to return
    max_overpayment_percent: int = 10
    # timeout of each call to a provider's API
    api_timeout_seconds: float = 20.0
    # no provider is called: a checkout is recorded as "test_<payment id>", captures and
    # refunds are not sent; events are verified as ever (a sandbox's test secrets)
    test_mode: bool = False
    stripe: StripeSettings | None = None
    paypal: PayPalSettings | None = None
    nowpayments: NowPaymentsSettings | None = None

    def __post_init__(self) -> None:
        if not 0 < self.min_amount <= self.max_amount:
            raise ConfigError("[payments] needs 0 < min_amount <= max_amount")
        if not 0 <= self.max_overpayment_percent <= 1000:
            raise ConfigError("[payments] max_overpayment_percent must be 0 to 1000")
        if self.paypal is not None and self.paypal.cert_file and not self.test_mode:
            raise ConfigError("[payments.paypal] cert_file is for test mode only: PayPal's "
                              "certificates are fetched from PayPal")

    @property
    def enabled(self) -> tuple[str, ...]:
        return tuple(p for p in PROVIDERS if getattr(self, p) is not None)


def load(config: Config) -> PaymentSettings:
    """The payment settings of ``config`` (none offered when it has no [payments])."""
    table = dict(config.data.get("payments", {}))
    providers = {}
    for name in PROVIDERS:
        own = table.pop(name, None)
        flat = {k[len(name) + 1:]: table.pop(k) for k in list(table)
                if k.startswith(name + "_")}
        if own is None and not flat:
            continue
        if own is not None and not isinstance(own, dict):
            raise ConfigError(f"[payments.{name}] must be a table")
        providers[name] = _provider(config, name, {**(own or {}), **flat})
    general = Config({"payments": table}, config.base_dir).section("payments", PaymentSettings)
    return PaymentSettings(**{f.name: getattr(general, f.name) for f in fields(general)
                              if f.name not in PROVIDERS}, **providers)


def _provider(config: Config, name: str, raw: dict):
    for key in SECRETS[name]:
        path = raw.pop(f"{key}_file", None)
        if path is not None and key not in raw:
            try:
                raw[key] = config.resolve(str(path)).read_text().strip()
            except OSError as e:
                raise ConfigError(f"[payments.{name}] {key}_file: cannot read {path}: "
                                  f"{e.strerror or e}") from None
    for key in ("ca_file", "cert_file"):
        if raw.get(key):
            raw[key] = str(config.resolve(str(raw[key])))
    settings = Config({f"payments.{name}": raw}, config.base_dir).section(
        f"payments.{name}", SCHEMAS[name])
    missing = [k for k in REQUIRED[name] if not getattr(settings, k)]
    if missing:
        raise ConfigError(f"[payments.{name}] needs {', '.join(missing)} (secrets from the "
                          f"environment, PYRAR_PAYMENTS_{name.upper()}_<KEY>, or <key>_file)")
    if isinstance(settings, PayPalSettings) and isinstance(settings.cert_hosts, list):
        settings = PayPalSettings(**{**settings.__dict__, "cert_hosts": tuple(
            settings.cert_hosts)})
    return settings
