"""Public EPP frames we did not write (../shared/reference/epp: Nomulus' flow tests, two EPP
libraries' RFC examples, what real clients put on the wire) sent to ``pyrar eppd``.

MANIFEST.tsv says what each frame is for: every ``positive:request`` must get an answer other
than 2001, every ``negative:*`` a 2001 or a clean close, every ``other-extension:request`` our
documented answer to an extension we do not serve (2103, docs/epp.md). Every frame the
server sends back is schema-checked. The figures are printed and kept in docs/epp-interop.md.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from eppd_client import Closed
from eppd_core_world import Epp, Reply
from interop_objects import ObjectStates
from interop_reference import (
    EXPIRY_PLACEHOLDERS,
    NEW_PASSWORD,
    REFERENCE,
    ReferenceFrame,
    as_login,
    available,
    fill,
    manifest,
)
from interop_sandbox import Sandbox, running_sandbox
from interop_setup import FrameSetup, object_command
from lxml import etree

from eppd.namespaces import EXTENSIONS

if not available():
    pytest.skip(f"no reference frames at {REFERENCE.resolve()} (../shared/reference/epp "
                "beside the repository); the reference-frame tests need them",
                allow_module_level=True)

MINE, THEIRS, LOGINS = "registrar1", "registrar2", "registrar3"
TLDS = ("example", "tld", "com", "net", "org", "test", "se")
GREETING = "greeting"  # what a hello is answered with, tallied beside the result codes
CLOSED = "closed"


@dataclass
class Tally:
    """What the frames of one kind were answered with."""

    answers: Counter = field(default_factory=Counter)
    by_frame: dict[str, tuple[object, str]] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)

    def record(self, frame: ReferenceFrame, answer: object, message: str = "") -> None:
        self.answers[answer] += 1
        self.by_frame[frame.path] = (answer, message)

    def with_answer(self, answer: object) -> dict[str, str]:
        return {p: m for p, (a, m) in self.by_frame.items() if a == answer}

    def summary(self, title: str) -> str:
        lines = [f"{title}: {len(self.by_frame)} sent, {len(self.left_out)} left out"]
        lines += [f"  {answer}: {count}" for answer, count in
                  sorted(self.answers.items(), key=lambda item: str(item[0]))]
        lines += [f"  left out {path}: {why}" for path, why in sorted(self.left_out.items())]
        return "\n".join(lines)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory, schema_check):
    with running_sandbox(tmp_path_factory.mktemp("interop-frames"), schema_check,
                         tlds=TLDS) as box:
        yield box


def frames(use: str) -> list[ReferenceFrame]:
    return [f for f in manifest() if f.suggested_use == use]


def test_positive_requests_are_never_a_syntax_error(sandbox, capsys):
    tally = Tally()
    with Sessions(sandbox) as sessions:
        for frame in frames("positive:request"):
            unknown = frame.unknown_placeholders()
            if unknown:
                tally.left_out[frame.path] = f"placeholders we cannot fill: {unknown}"
                continue
            if frame.role == "hello":
                tally.record(frame, _hello(sessions.mine, frame))
            elif frame.what == "login":
                tally.record(frame, *_login(sandbox, frame))
            elif frame.what == "logout":
                tally.record(frame, *_logout(sandbox, frame))
            else:
                tally.record(frame, *sessions.send_command(frame))
    with capsys.disabled():
        print("\n" + tally.summary("positive:request"))
    assert not tally.with_answer(2001), tally.with_answer(2001)
    assert not tally.with_answer(CLOSED), tally.with_answer(CLOSED)
    assert tally.answers[1000] > len(tally.by_frame) // 3  # most of it really ran
    assert sandbox.alive()


def test_negative_frames_are_refused(sandbox, capsys):
    tally = Tally()
    with Sessions(sandbox) as sessions:
        for use in ("negative:dtd", "negative:malformed", "negative:schema-invalid-request"):
            for frame in frames(use):
                tally.record(frame, *sessions.send(fill(frame.text()).encode("utf-8")))
    with capsys.disabled():
        print("\n" + tally.summary("negative:*"))
    assert set(tally.answers) <= {2001, CLOSED}, tally.by_frame
    assert tally.answers[2001] > 0
    assert sandbox.alive()


def test_other_extensions_get_our_documented_answer(sandbox, capsys):
    tally = Tally()
    with Sessions(sandbox) as sessions:
        for frame in frames("other-extension:request"):
            tally.record(frame, *sessions.send(fill(frame.text()).encode("utf-8")))
    with capsys.disabled():
        print("\n" + tally.summary("other-extension:request"))
    assert set(tally.answers) == {2103}, {p: a for p, (a, _) in tally.by_frame.items()
                                          if a != 2103}


# Sending


class Sessions:
    """The logged-in session the frames go through (reopened if the server closes it), the
    other registrar's for transfers, and what sets up the objects a frame acts on."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.open: dict[str, Epp] = {}
        self.setup = FrameSetup(self.open, MINE, THEIRS, ObjectStates(sandbox.registry), TLDS)

    def __enter__(self) -> Sessions:
        for clid in (MINE, THEIRS):
            self.open[clid] = self._login(clid)
        return self

    def __exit__(self, *exc: object) -> None:
        for epp in self.open.values():
            epp.close()

    @property
    def mine(self) -> Epp:
        return self.open[MINE]

    def _login(self, clid: str) -> Epp:
        """Logged in with every extension the greeting offers, so that frames using any of
        them (launch, allocation tokens) run rather than meet 2002."""
        epp = self.sandbox.connect(clid)
        self.sandbox.login(epp, clid, extensions=EXTENSIONS)
        return epp

    def send(self, payload: bytes) -> tuple[object, str]:
        try:
            reply = _reply(self.mine.client.request(payload))
        except (Closed, ConnectionError):
            self.mine.close()
            self.open[MINE] = self._login(MINE)
            return CLOSED, ""
        return reply.code, reply.msg or ""

    def send_command(self, frame: ReferenceFrame) -> tuple[object, str]:
        text = frame.text()
        command = object_command(etree.fromstring(fill(text).encode("utf-8")))
        expiry = None
        if command is not None:
            self.setup.prepare(command)
            if any(p in text for p in EXPIRY_PLACEHOLDERS):
                expiry = self.setup.expiry(command.texts("d:name")[0])
        return self.send(fill(text, expiry).encode("utf-8"))


def _reply(frame: bytes) -> Reply:
    return Reply(frame, etree.fromstring(frame))


def _hello(epp: Epp, frame: ReferenceFrame) -> str:
    answer = etree.fromstring(epp.client.request(fill(frame.text()).encode("utf-8")))
    return GREETING if answer.find("{*}greeting") is not None else "not a greeting"


def _login(sandbox: Sandbox, frame: ReferenceFrame) -> tuple[object, str]:
    """The frame is the login of a fresh session of LOGINS; a password it changes is put back."""
    original = sandbox.registrars[LOGINS].password
    payload, changes = as_login(frame.text(), LOGINS, original)
    with _connection(sandbox) as epp:
        reply = _reply(epp.client.request(payload))
    if reply.code == 1000 and changes:
        with _connection(sandbox) as epp:
            restored = epp.login(LOGINS, NEW_PASSWORD, new_password=original)
            assert restored.code == 1000, restored
    return reply.code, reply.msg or ""


def _logout(sandbox: Sandbox, frame: ReferenceFrame) -> tuple[object, str]:
    with _connection(sandbox) as epp:
        sandbox.login(epp, LOGINS)
        reply = _reply(epp.client.request(fill(frame.text()).encode("utf-8")))
        if reply.code == 1500:
            epp.client.expect_closed()
    return reply.code, reply.msg or ""


@contextlib.contextmanager
def _connection(sandbox: Sandbox) -> Iterator[Epp]:
    epp = sandbox.connect(LOGINS)
    try:
        yield epp
    finally:
        epp.close()
