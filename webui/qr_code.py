"""The QR code of a 2FA setup's otpauth URI, made here (segno: pure Python, no dependencies,
ISO/IEC 18004) and sent as SVG path data: the page draws it with DOM calls, so it needs no
HTML string, no data: URL in the CSP and no third-party script."""

from __future__ import annotations

import segno


def qr_path(text: str) -> dict:
    """{"size": modules a side, "path": SVG path data of the dark modules, one unit each};
    the page adds the quiet zone (4 modules) round it."""
    matrix = [list(row) for row in segno.make(text, error="m").matrix]
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    return {"size": len(matrix), "path": "".join(parts)}
