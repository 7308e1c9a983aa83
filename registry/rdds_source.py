"""The registry as the registration data services' source of records (RDAP, WHOIS):
read-only core queries, each in a read-only transaction the core owns (``Registry.read``)."""

from __future__ import annotations

from datetime import datetime

from . import registration_data as data
from .service import Registry


class RegistrySource:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.suffix = registry.settings.roid_suffix
        # TLDs and registrars change rarely: kept as long as the core keeps TLD policy
        self.reference = data.Reference(registry.settings.policy_cache_seconds)

    def now(self) -> datetime:
        return self.registry.clock.now()

    def domain(self, name: str) -> data.DomainRecord | None:
        now = self.now()
        return self.registry.read(
            lambda s: data.domain_record(s, name, now, self.suffix, self.reference))

    def nameserver(self, name: str) -> data.HostRecord | None:
        return self.registry.read(lambda s: data.host_record(s, name, self.suffix))

    def registrar(self, handle: str) -> data.RegistrarRecord | None:
        return self.registry.read(lambda s: data.registrar_record(s, handle))

    def tld(self, name: str) -> data.TldRdds | None:
        return self.registry.read(lambda s: data.tld_rdds(s, name))

    def search_domains(self, prefix: str, tld: str | None, limit: int
                       ) -> list[data.DomainRecord]:
        now = self.now()
        return self.registry.read(
            lambda s: data.search_domains(s, prefix, tld, limit, now, self.suffix))

    def search_nameservers(self, prefix: str, limit: int) -> list[data.HostRecord]:
        return self.registry.read(
            lambda s: data.search_hosts_by_name(s, prefix, limit, self.suffix))

    def nameservers_at(self, address: str, limit: int) -> list[data.HostRecord]:
        return self.registry.read(
            lambda s: data.search_hosts_by_address(s, address, limit, self.suffix))

    def search_registrars(self, by: str, text: str, exact: bool, limit: int
                          ) -> list[data.RegistrarRecord]:
        return self.registry.read(
            lambda s: data.search_registrars(s, by, text, exact, limit))
