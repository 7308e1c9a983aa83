"""A deposit's processed files (Specification 2, part A, section 5): the encrypted deposit,
split into parts of at most ``[escrow] split_bytes`` when it is larger, named ``..._S<n>_R
<rev>.ryde`` from 1, each with its own detached signature. The agent joins the parts in
order and decrypts the whole."""

from __future__ import annotations

import re
from pathlib import Path

BLOCK = 1 << 20
PART = re.compile(r"^(?P<head>.+)_S(?P<n>[1-9][0-9]*)_R(?P<rev>[0-9]+)\.ryde$")


def part_path(out_dir: Path, stem: str, n: int, rev: int) -> Path:
    """``stem`` is ``<tld>_<YYYY-MM-DD>_<full|diff>``."""
    return out_dir / f"{stem}_S{n}_R{rev}.ryde"


def split(whole: Path, out_dir: Path, stem: str, rev: int, limit: int) -> list[Path]:
    """Move ``whole`` into place as S1, or copy it into parts of ``limit`` bytes (0: no
    limit) and remove it; the parts in order."""
    if not limit or whole.stat().st_size <= limit:
        target = part_path(out_dir, stem, 1, rev)
        whole.replace(target)
        return [target]
    parts = []
    with whole.open("rb") as source:
        while block := source.read(min(BLOCK, limit)):
            part = part_path(out_dir, stem, len(parts) + 1, rev)
            with part.open("wb") as out:
                left = limit
                while block:
                    out.write(block)
                    left -= len(block)
                    block = source.read(min(BLOCK, left)) if left else b""
            parts.append(part)
    whole.unlink()
    return parts


def siblings(ryde: Path) -> list[Path]:
    """All parts of the deposit ``ryde`` belongs to, in order (``ryde`` alone when its name
    is not a part's)."""
    match = PART.match(ryde.name)
    if not match:
        return [ryde]
    found = {}
    for path in ryde.parent.glob(f"{match['head']}_S*_R{match['rev']}.ryde"):
        other = PART.match(path.name)
        if other and other["head"] == match["head"]:
            found[int(other["n"])] = path
    return [found[n] for n in sorted(found)]
