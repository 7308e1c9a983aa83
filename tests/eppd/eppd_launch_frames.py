"""launch-1.0 (RFC 8334) extension frames the launch and RST tests send."""

from __future__ import annotations

from datetime import datetime

from tests.launch.tmch_kit import notice_id

LAUNCH = "urn:ietf:params:xml:ns:launch-1.0"
SMD = "urn:ietf:params:xml:ns:signedMark-1.0"


def launch_create(phase: str, body: str, kind: str | None = None) -> str:
    """A ``<launch:create>`` of ``phase`` (``kind``: its type attribute, application or
    registration, when given)."""
    attribute = f' type="{kind}"' if kind else ""
    return (f'<launch:create xmlns:launch="{LAUNCH}" xmlns:smd="{SMD}"{attribute}>'
            f"<launch:phase>{phase}</launch:phase>{body}</launch:create>")


def notice(label: str, not_after: datetime, accepted: datetime, tcn: str | None = None) -> str:
    """A ``<launch:notice>`` acknowledging the claims notice of ``label`` (its id made from
    the label and ``not_after``, unless ``tcn`` is given)."""
    def z(moment):
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (f'<launch:notice><launch:noticeID validatorID="tmch">'
            f"{tcn or notice_id(label, not_after.replace(microsecond=0))}</launch:noticeID>"
            f"<launch:notAfter>{z(not_after)}</launch:notAfter>"
            f"<launch:acceptedDate>{z(accepted)}</launch:acceptedDate></launch:notice>")
