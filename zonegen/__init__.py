"""PyRar zonegen: publishes the registry into PowerDNS, signed, within a second.

Modules, one job each:

* ``config``: the ``[powerdns]`` settings; ``server``: a managed ``pdns_server`` child;
  ``connection``: API + database from the settings; ``api``: the HTTP API client;
  ``pdnsdb``: PowerDNS's SQL tables (gsqlite3/gmysql) and the writer lock.
* ``model``: ZoneSpec, DnssecPolicy, Delegation, DsRecord and their rules; ``records``:
  those values as stored records; ``names``: name helpers and NSEC3 hashing.
* ``rectify``: PowerDNS's ordername/auth/ENT rules in Python; ``writer``: the per-owner fast
  path; ``sync``: the full reconcile; ``zones``: TLD zone creation, keys, DS for the parent.
* ``state``: what the core provides (DesiredState, the ``dns.changed`` events);
  ``core_state``: the registry core as DesiredState; ``drainer``: the events consumer
  "dns"; ``reference_state``: a stand-in core in SQLite (state and events); ``service``:
  what ``pyrar serve`` runs.
* ``catalog``: the RFC 9432 catalog zone; ``hosted``: hosted client
  zones; ``hosted_signing``: their DS in the parent TLD through the core; ``probe``: live DNS
  checks; ``verify`` and ``export``: ``zone verify``/``export``; ``cli``: the ``pyrar zone``
  commands.
"""
