"""``[registrar]``: the site's own settings (the registry's config file, its own table)."""

from __future__ import annotations

from dataclasses import dataclass

from registry.config import ConfigError


@dataclass(frozen=True)
class RegistrarSettings:
    # the registrar account at our own registry that the site sells through
    house_clid: str = "house"
    # where users reach the site: links in mails point here
    site_url: str = "http://127.0.0.1:8080"
    host: str = "127.0.0.1"
    port: int = 8080
    # users' prices: the registry's price plus this percentage, rounded up to a minor unit
    markup_percent: int = 0
    session_hours: float = 24.0
    verify_token_hours: float = 48.0
    reset_token_minutes: float = 30.0
    gift_token_days: float = 14.0
    # argon2id (RFC 9106 second recommended option: 64 MiB, 3 passes, 4 lanes)
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4
    min_password_length: int = 10
    # renewed from the balance this many days before expiry
    auto_renew_days: int = 7
    # how often pyrar web serve runs the registrar's lifecycle (registry messages, reminders,
    # auto-renewals)
    lifecycle_seconds: float = 60.0
    # Secure cookies need HTTPS; the loopback sandbox serves plain HTTP, where a browser
    # keeps Secure cookies from http://127.0.0.1 and http://localhost only
    secure_cookies: bool = True
    # requests per window per account (or address typed) for logins, resets, registrations
    # and searches; per client address, address_limit_factor times as many
    login_limit: int = 10
    reset_limit: int = 5
    register_limit: int = 5
    search_limit: int = 120
    limit_window_seconds: int = 600
    address_limit_factor: int = 10
    search_max_tlds: int = 20
    # the keys sealing users' TOTP secrets (secret_box.py): a file of Fernet keys, one per
    # line, the first sealing ('pyrar web secret-key' makes one); or one key in the
    # environment, PYRAR_REGISTRAR_SECRET_KEY. Never in this file, never in the database.
    secret_key_file: str = ""
    secret_key: str = ""
    # upstream registries (pyrar upstream add): fee-1.0 prices kept this long per name, and
    # each EPP command's timeout (connecting, waiting for a session, the answer)
    upstream_price_seconds: float = 300.0
    upstream_timeout_seconds: float = 30.0
    # names held at upstreams compared with the registry's info, and repaired, this often
    reconcile_hours: float = 24.0

    def upstream_timeouts(self) -> dict[str, float]:
        t = self.upstream_timeout_seconds
        return {"connect_timeout": t, "acquire_timeout": t, "command_timeout": t}

    def __post_init__(self) -> None:
        if not 0 <= self.markup_percent <= 1000:
            raise ConfigError("[registrar] markup_percent must be 0 to 1000")
        if self.argon2_memory_kib < 8 * self.argon2_parallelism or self.argon2_time_cost < 1:
            raise ConfigError("[registrar] argon2 costs are too low")
        if self.min_password_length < 8:
            raise ConfigError("[registrar] min_password_length must be at least 8")


@dataclass(frozen=True)
class MailSettings:
    """``[mail]``: how users' mail leaves. ``maildir`` (the default, and the sandbox's)
    delivers into a Maildir a person can read; ``smtp`` hands it to an SMTP server."""

    transport: str = "maildir"
    maildir: str = "mail"  # relative to the configuration file
    from_address: str = "PyRar <noreply@pyrar.test>"
    site_name: str = "PyRar"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    # "none", "starttls" (upgrade the connection) or "tls" (TLS from the start, port 465)
    smtp_security: str = "none"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout: float = 30.0
    # a CA file to trust for the SMTP server's certificate (default: the system's)
    smtp_ca_file: str = ""

    def __post_init__(self) -> None:
        if self.transport not in ("maildir", "smtp"):
            raise ConfigError("[mail] transport must be maildir or smtp")
        if self.smtp_security not in ("none", "starttls", "tls"):
            raise ConfigError("[mail] smtp_security must be none, starttls or tls")
