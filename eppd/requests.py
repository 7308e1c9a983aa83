"""Reading a schema-valid client document: hello, login, logout or an object command."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from eppd.namespaces import EPP, LOGIN_SEC

_E = f"{{{EPP}}}"
# RFC 8807: this placeholder in <pw>/<newPW> means "the password is in the loginSec extension".
LOGIN_SECURITY = "[LOGIN-SECURITY]"
# Object elements whose text identifies what a command is about (for the command log).
_ID_ELEMENTS = frozenset({"name", "id"})
_MAX_LOGGED_IDS = 5


@dataclass(frozen=True)
class Hello:
    """``<hello>``: answered with a greeting."""


@dataclass(frozen=True)
class Command:
    """``<command>``: the verb, the object's namespace and the element itself."""

    verb: str
    object_uri: str | None
    element: etree._Element
    cl_trid: str | None
    object_ids: tuple[str, ...]


@dataclass(frozen=True)
class LoginRequest:
    clid: str
    password: str
    new_password: str | None
    lang: str
    obj_uris: tuple[str, ...]
    ext_uris: tuple[str, ...]


class NotARequest(Exception):
    """A valid EPP document that a client may not send (a greeting, a response...)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def read_request(doc: etree._Element) -> Hello | Command:
    """Classify the child of ``<epp>``; raise NotARequest for anything else."""
    body = doc[0] if len(doc) else None
    tag = etree.QName(body).localname if body is not None else None
    if body is None or etree.QName(body).namespace != EPP:
        raise NotARequest(2001, "expected <hello> or <command>")
    if tag == "hello":
        return Hello()
    if tag == "command":
        return _command(body)
    if tag == "extension":
        # RFC 5730 2.7.1 protocol extensions: we define none.
        raise NotARequest(2101, "no protocol extension is implemented")
    raise NotARequest(2001, f"a client may not send <{tag}>")


def read_login(command: Command) -> LoginRequest:
    """The fields of ``<login>``, with RFC 8807 long passwords already substituted."""
    login = command.element.find(_E + "login")
    password = login.findtext(_E + "pw")
    new_password = login.findtext(_E + "newPW")
    login_sec = command.element.find(f"{_E}extension/{{{LOGIN_SEC}}}loginSec")
    if login_sec is not None:
        if password == LOGIN_SECURITY:
            password = login_sec.findtext(f"{{{LOGIN_SEC}}}pw")
        if new_password == LOGIN_SECURITY:
            new_password = login_sec.findtext(f"{{{LOGIN_SEC}}}newPW")
    svcs = login.find(_E + "svcs")
    return LoginRequest(
        clid=login.findtext(_E + "clID"),
        password=password or "",
        new_password=new_password,
        lang=login.findtext(f"{_E}options/{_E}lang"),
        obj_uris=tuple(e.text for e in svcs.iterfind(_E + "objURI")),
        ext_uris=tuple(e.text for e in svcs.iterfind(f"{_E}svcExtension/{_E}extURI")),
    )


def _command(element: etree._Element) -> Command:
    verb_element = element[0]
    verb = etree.QName(verb_element).localname
    object_element = verb_element[0] if len(verb_element) else None
    object_uri = etree.QName(object_element).namespace if object_element is not None else None
    return Command(
        verb=verb,
        object_uri=object_uri,
        element=element,
        cl_trid=element.findtext(_E + "clTRID"),
        object_ids=_object_ids(verb_element, object_element),
    )


def _object_ids(verb_element: etree._Element, object_element: etree._Element | None
                ) -> tuple[str, ...]:
    if object_element is None:
        if verb_element.get("msgID"):
            return (verb_element.get("msgID"),)
        return ()
    ids = [
        (child.text or "").strip()
        for child in object_element
        if isinstance(child.tag, str) and etree.QName(child).localname in _ID_ELEMENTS
    ]
    if len(ids) > _MAX_LOGGED_IDS:
        ids = [*ids[:_MAX_LOGGED_IDS], f"+{len(ids) - _MAX_LOGGED_IDS}"]
    return tuple(ids)
