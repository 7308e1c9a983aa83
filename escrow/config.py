"""The ``[escrow]`` table of the configuration file."""

from __future__ import annotations

from dataclasses import dataclass

from registry.config import ConfigError


@dataclass(frozen=True)
class EscrowSettings:
    # where deposits are written (relative to the configuration file)
    out_dir: str = "escrow/deposits"
    # GnuPG's home holding the agent's public key and the registry's signing key, and the
    # two keys' fingerprints
    gnupg_home: str = "escrow/gnupg"
    agent_key: str = ""
    signing_key: str = ""
    gpg: str = "gpg"
    # the scheduler ('pyrar serve' runs it when true): a full deposit on full_weekday
    # (0 Monday .. 6 Sunday), a differential one the other days, from hour (UTC) on
    schedule: bool = False
    full_weekday: int = 6
    hour: int = 0
    # the longest a deposit's read of the database may take (one snapshot)
    read_seconds: float = 7200.0
    # a deposit larger than this, once encrypted, is split into parts (S1, S2...) of this
    # many bytes at most, each signed (what the escrow agent accepts); 0: never split
    split_bytes: int = 0
    # The escrow agent's SFTP server ('pyrar escrow upload'; the scheduler uploads after
    # each deposit): empty sftp_host, no upload. The registry's private key (a file, OpenSSH
    # format), the agent's host key in a known_hosts file (always checked), the folder there.
    sftp_host: str = ""
    sftp_port: int = 22
    sftp_user: str = ""
    sftp_key: str = ""
    sftp_known_hosts: str = ""
    sftp_dir: str = "."
    # the longest one upload run may take
    sftp_seconds: float = 3600.0
    # where an IDN table without URLs of its own ('pyrar tld idn-table set') is published,
    # and its registration policy: templates with {tld}, {tag} and {version}, e.g.
    # "https://nic.example/idn/{tld}/{tag}-{version}.xml". A deposit of a TLD with IDN
    # tables whose URLs neither give is refused, naming them (rdeIDN needs both).
    idn_table_url: str = ""
    idn_policy_url: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.full_weekday <= 6:
            raise ConfigError("[escrow] full_weekday must be 0 (Monday) to 6 (Sunday)")
        if not 0 <= self.hour <= 23:
            raise ConfigError("[escrow] hour must be 0 to 23")
        if self.sftp_host and not (self.sftp_user and self.sftp_key and self.sftp_known_hosts):
            raise ConfigError("[escrow] sftp_host needs sftp_user, sftp_key and "
                              "sftp_known_hosts (the agent's host key is always checked)")
        if self.split_bytes < 0:
            raise ConfigError("[escrow] split_bytes must be 0 (never split) or more")
        for key in ("idn_table_url", "idn_policy_url"):
            try:
                getattr(self, key).format(tld="t", tag="t", version="1")
            except (KeyError, IndexError, ValueError):
                raise ConfigError(f"[escrow] {key} may use only {{tld}}, {{tag}} and "
                                  "{version}") from None
        if not 1 <= self.sftp_port <= 65535:
            raise ConfigError("[escrow] sftp_port must be 1 to 65535")


@dataclass(frozen=True)
class IcannSettings:
    """The ``[icann]`` table: ICANN's Registry Reporting Interface (escrow/icann_reports.py),
    where the RDE report of each deposit and the monthly reports are PUT. Empty url: no
    reports sent (ICANN's is https://ry-api.icann.org; its test one is given by ICANN)."""

    url: str = ""
    # each TLD has its own account at ICANN: {tld} stands for the TLD's name
    username: str = "{tld}_ry"
    # the password of every TLD (PYRAR_ICANN_PASSWORD overrides it), unless passwords_file
    # (relative to the configuration file; lines "TLD PASSWORD", kept out of the repo)
    # names the TLD's own
    password: str = ""
    passwords_file: str = ""
    # roots trusted for the interface's certificate besides the system's (a PEM file)
    ca_file: str = ""
    timeout: float = 60.0
    # the escrow scheduler sends each gTLD's monthly reports of the month just ended from
    # this day of the month on (ICANN wants them by the 20th); 0: never, only 'pyrar report
    # monthly --upload'
    monthly_report_day: int = 2

    def __post_init__(self) -> None:
        if self.url and not self.url.startswith("https://"):
            raise ConfigError("[icann] url must be https:// (the reports carry credentials)")
        try:
            self.username.format(tld="t")
        except (KeyError, IndexError, ValueError):
            raise ConfigError("[icann] username may use only {tld}") from None
        if self.timeout <= 0:
            raise ConfigError("[icann] timeout must be more than 0 seconds")
        if not 0 <= self.monthly_report_day <= 20:
            raise ConfigError("[icann] monthly_report_day must be 1 to 20 (ICANN wants the "
                              "reports by the 20th), or 0: never")
