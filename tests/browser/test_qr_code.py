"""The 2FA QR code's SVG path covers exactly the dark modules segno computed."""

from __future__ import annotations

import re

import segno

from webui.qr_code import qr_path

URI = "otpauth://totp/PyRar:someone%40example.net?secret=JBSWY3DPEHPK3PXP&issuer=PyRar"


def test_the_path_draws_the_matrix():
    drawn = qr_path(URI)
    dark = set()
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", drawn["path"]):
        dark |= {(int(x) + i, int(y)) for i in range(int(width))}
    matrix = list(segno.make(URI, error="m").matrix)
    assert drawn["size"] == len(matrix)
    assert dark == {(x, y) for y, row in enumerate(matrix) for x, v in enumerate(row) if v}
