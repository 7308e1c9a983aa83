"""Which parser reads which command: verb and object namespace to a core command."""

from __future__ import annotations

import functools
from collections.abc import Callable

from lxml import etree

from eppd.commands import balance, contact, domain, host
from eppd.commands.parsed import ParseContext, Parsed
from eppd.namespaces import BALANCE, CONTACT, DOMAIN, EPP, HOST, tag
from registry.errors import RequiredParameterMissing, UnimplementedCommand
from registry.flows.poll_messages import PollAck, PollRequest

Parser = Callable[[etree._Element, etree._Element | None, ParseContext], Parsed]

_EXTENSION = tag(EPP, "extension")
_MODULES = {DOMAIN: domain, HOST: host, CONTACT: contact, BALANCE: balance}
_VERBS = ("check", "info", "create", "delete", "renew", "update", "transfer")
_PARSERS: dict[tuple[str, str], Callable[..., Parsed]] = {
    (verb, uri): getattr(module, verb)
    for uri, module in _MODULES.items() for verb in _VERBS if hasattr(module, verb)
}
_POLL_REQUEST = Parsed(PollRequest())


def parse(command: etree._Element, verb: str, object_uri: str | None,
          ctx: ParseContext) -> Parsed:
    """The core command for the validated ``<epp:command>`` element ``command``."""
    verb_element = command.find(tag(EPP, verb))
    if verb == "poll":
        if verb_element.get("op") == "ack":
            msg_id = (verb_element.get("msgID") or "").strip()
            if not msg_id:
                raise RequiredParameterMissing("poll ack needs the msgID of the message")
            return Parsed(PollAck(msg_id))
        return _POLL_REQUEST
    parser = _PARSERS.get((verb, object_uri))
    if parser is None:
        raise UnimplementedCommand(f"{verb} is not a command of {object_uri}")
    if verb == "transfer":
        parser = functools.partial(parser, op=verb_element.get("op"))
    # The first element child (comments are children too in lxml).
    element = next(c for c in verb_element if isinstance(c.tag, str))
    return parser(element, command.find(_EXTENSION), ctx)
