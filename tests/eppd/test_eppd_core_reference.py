"""Every public frame the reference corpus marks ``positive:request`` gets an answer other
than 2001 (and never 2400) from the real server, each answer schema-valid.

Placeholders are filled with values of our sandbox; the objects the frames name mostly do
not exist, so most answers are 2303 or 2306: the point is that no valid command is
misread. Session frames (hello, login, logout) each get their own connection, so a logout
there is 2002 (not logged in) and a login with other systems' credentials 2200. Left out:
nothing; launch-1.0 frames get the launch answers of docs/epp.md (2306 outside their phase,
2102 for applications).
"""

from __future__ import annotations

import collections
import re
from pathlib import Path

import pytest
from eppd_client import Closed
from eppd_core_world import core_world
from lxml import etree

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference" / "epp"
FRAMES = REFERENCE / "frames"
FILL = {
    "%FEE_VERSION%": "epp:fee-1.0", "%DOMAIN%": "ref-domain.example",
    "%HOSTNAME%": "ns1.ref-domain.example", "%YEARS%": "1", "%CURRENCY%": "USD",
    "%oldName%": "ns1.ref-domain.example", "%newName%": "ns2.ref-domain.example",
    "%PW%": "foo-BAR2", "%NEWPW%": "bar-FOO2", "%FEE%": "10.00", "%CLID%": "reg1",
    "%TLD%": "example", "%STATUS_ADD%": "clientHold", "%STATUS_REM%": "clientHold",
    "%PERIOD%": "1", "%NAME%": "ref-domain.example", "%MSGID%": "1",
    "%LABEL%": "ref-domain", "%KEY_TAG%": "12345", "%ID%": "sh8013", "%FEE_1%": "10.00",
    "%FEE_2%": "10.00", "%FEE_3%": "10.00", "%DESCRIPTION_1%": "create",
    "%DESCRIPTION_2%": "create", "%DESCRIPTION_3%": "create", "%HOSTADDRS%": "",
    "%PHASE%": "sunrise", "%TOKEN%": "abc123", "%SMD%": "", "%EXPDATE%": "2027-01-01",
    "%AMOUNT%": "10.00", "%ALG%": "13", "%DIGEST_TYPE%": "2", "%DIGEST%": "AB" * 32,
}
SESSION_VERBS = ("hello", "login", "logout")
_CODE = re.compile(rb'<result code="(\d{4})"')


def positive_requests() -> list[tuple[str, bytes]]:
    manifest = FRAMES / "MANIFEST.tsv"
    if not manifest.exists():
        pytest.skip(f"the reference corpus is not at {REFERENCE} (CI puts shared/ beside "
                    "the repository)")
    frames = []
    for line in manifest.read_text().splitlines()[1:]:
        cols = line.split("\t")
        if len(cols) >= 10 and cols[9].strip() == "positive:request":
            text = (FRAMES / cols[1]).read_text()
            for key, value in FILL.items():
                text = text.replace(key, value)
            frames.append((cols[1], text.encode()))
    return frames


def is_session_frame(frame: bytes) -> bool:
    body = etree.fromstring(frame)[0]
    child = body[0] if len(body) and etree.QName(body).localname == "command" else body
    return etree.QName(child).localname in SESSION_VERBS


@pytest.fixture(scope="module")
def world(tmp_path_factory, pki, schema_check):
    positive_requests()  # skip before starting a server when the corpus is absent
    with core_world(tmp_path_factory.mktemp("core-reference"), pki, schema_check) as w:
        yield w


def test_no_positive_request_is_read_as_a_syntax_error(world):
    frames = positive_requests()
    assert len(frames) > 500
    codes: collections.Counter[int] = collections.Counter()
    wrong = []
    with world.session("reg1", extensions=tuple(world_extensions())) as epp:
        for path, frame in frames:
            if is_session_frame(frame):
                code = _alone(world, frame)
            else:
                code = int(_CODE.search(epp.client.request(frame)).group(1))
            codes[code] += 1
            if code in (2001, 2400):
                wrong.append((path, code))
    assert wrong == []
    assert codes[1000] > 50  # the frames that need nothing existing succeed
    print(f"{len(frames)} positive:request frames: {dict(sorted(codes.items()))}")


def world_extensions():
    from eppd.namespaces import EXTENSIONS

    return EXTENSIONS


def _alone(world, frame: bytes) -> int:
    epp = world.connect("reg1")
    try:
        reply = epp.client.request(frame)
    except Closed:
        return 0
    finally:
        epp.close()
    return int(_CODE.search(reply).group(1)) if b"<greeting" not in reply else 1000
