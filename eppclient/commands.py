"""A command ready to send: its frame and what it is about, which the pool needs to decide
whether a lost answer may be retried and ``settle()`` needs to find out what happened."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from lxml import etree

from eppclient.documents import child, element, serialize
from eppclient.namespaces import EPP, LOGIN_SEC

# Commands that change the registry: an answer lost after sending may mean it happened.
TRANSFORMS = frozenset({"create", "renew", "transfer", "update", "delete", "restore"})
# RFC 5730 pwType holds 6 to 16 characters; RFC 8807 carries longer ones in loginSec.
MAX_PLAIN_PASSWORD = 16
LOGIN_SECURITY = "[LOGIN-SECURITY]"

_serial = itertools.count(1)
_PROCESS_TAG = os.urandom(4).hex()


def new_cl_trid(clid: str) -> str:
    """Unique per client process and command (3..64 characters)."""
    return f"{clid[:16]}-{_PROCESS_TAG}-{next(_serial)}"


@dataclass(frozen=True)
class Command:
    verb: str                      # create, info, transfer, update, restore, poll ...
    object_type: str | None        # domain, host, contact or None
    object_id: str | None          # the name or handle it is about
    # the whole document as sent; kept out of repr (and so out of logs): it may hold
    # authInfo or a password
    frame: bytes = field(repr=False)
    cl_trid: str = ""
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}),
                                      repr=False)
    sent_at: datetime | None = None   # set by the session when it writes the frame

    @property
    def transform(self) -> bool:
        return self.verb in TRANSFORMS and self.params.get("op") not in ("query",)


def object_command(clid: str, verb: str, body: etree._Element, *,
                   extensions: Iterable[etree._Element] = (), op: str | None = None,
                   object_type: str | None = None, object_id: str | None = None,
                   params: Mapping[str, Any] | None = None) -> Command:
    """``<epp><command><verb [op]>body</verb><extension>...</extension><clTRID/>``."""
    root = element(EPP, "epp")
    command = child(root, EPP, "command")
    child(command, EPP, verb, op=op).append(body)
    _append_extensions(command, extensions)
    cl_trid = new_cl_trid(clid)
    child(command, EPP, "clTRID", cl_trid)
    all_params = {"op": op, **(params or {})}
    return Command(verb, object_type, object_id, serialize(root), cl_trid,
                   MappingProxyType(all_params))


def hello() -> bytes:
    root = element(EPP, "epp")
    child(root, EPP, "hello")
    return serialize(root)


def login(clid: str, password: str, *, obj_uris: Iterable[str], ext_uris: Iterable[str],
          lang: str, user_agent: str, login_sec: bool,
          new_password: str | None = None) -> Command:
    """RFC 5730 login; with ``login_sec`` (RFC 8807) a password too long for ``<pw>`` goes
    in the extension with the placeholder in its place, and our user agent is sent."""
    root = element(EPP, "epp")
    command = child(root, EPP, "command")
    node = child(command, EPP, "login")
    child(node, EPP, "clID", clid)
    long_pw = len(password) > MAX_PLAIN_PASSWORD
    long_new = new_password is not None and len(new_password) > MAX_PLAIN_PASSWORD
    if (long_pw or long_new) and not login_sec:
        raise ValueError(f"a password over {MAX_PLAIN_PASSWORD} characters needs loginSec, "
                         "which the server does not offer")
    child(node, EPP, "pw", LOGIN_SECURITY if long_pw else password)
    if new_password is not None:
        child(node, EPP, "newPW", LOGIN_SECURITY if long_new else new_password)
    options = child(node, EPP, "options")
    child(options, EPP, "version", "1.0")
    child(options, EPP, "lang", lang)
    services = child(node, EPP, "svcs")
    for uri in obj_uris:
        child(services, EPP, "objURI", uri)
    ext_uris = list(ext_uris)
    if ext_uris:
        extension = child(services, EPP, "svcExtension")
        for uri in ext_uris:
            child(extension, EPP, "extURI", uri)
    if login_sec:
        sec = element(LOGIN_SEC, "loginSec")
        agent = child(sec, LOGIN_SEC, "userAgent")
        child(agent, LOGIN_SEC, "app", user_agent)
        if long_pw:
            child(sec, LOGIN_SEC, "pw", password)
        if long_new:
            child(sec, LOGIN_SEC, "newPW", new_password)
        _append_extensions(command, [sec])
    cl_trid = new_cl_trid(clid)
    child(command, EPP, "clTRID", cl_trid)
    return Command("login", None, clid, serialize(root), cl_trid)


def logout(clid: str) -> Command:
    root = element(EPP, "epp")
    command = child(root, EPP, "command")
    child(command, EPP, "logout")
    cl_trid = new_cl_trid(clid)
    child(command, EPP, "clTRID", cl_trid)
    return Command("logout", None, None, serialize(root), cl_trid)


def poll(clid: str, op: str, message_id: str | None = None) -> Command:
    root = element(EPP, "epp")
    command = child(root, EPP, "command")
    child(command, EPP, "poll", op=op, msgID=message_id)
    cl_trid = new_cl_trid(clid)
    child(command, EPP, "clTRID", cl_trid)
    return Command("poll", None, message_id, serialize(root), cl_trid,
                   MappingProxyType({"op": op}))


def _append_extensions(command: etree._Element, extensions: Iterable[etree._Element]) -> None:
    extensions = list(extensions)
    if extensions:
        holder = child(command, EPP, "extension")
        for ext in extensions:
            holder.append(ext)
