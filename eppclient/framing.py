"""RFC 5734 framing over asyncio streams: a 4-byte big-endian length that counts itself,
then the document. A frame is read whole (``readexactly``), never "one recv per frame"."""

from __future__ import annotations

import asyncio
import struct

from eppclient.errors import ConnectionLost, FrameError

_HEADER = struct.Struct(">I")


def encode_frame(payload: bytes) -> bytes:
    return _HEADER.pack(len(payload) + _HEADER.size) + payload


async def read_frame(reader: asyncio.StreamReader, max_bytes: int) -> bytes:
    """The next whole frame; FrameError for a length beyond ``max_bytes`` (nothing more is
    read: the stream is out of step and must be closed), ConnectionLost at EOF."""
    try:
        (length,) = _HEADER.unpack(await reader.readexactly(_HEADER.size))
        if length <= _HEADER.size or length - _HEADER.size > max_bytes:
            raise FrameError(f"frame length {length} outside 5..{max_bytes + _HEADER.size}")
        return await reader.readexactly(length - _HEADER.size)
    except asyncio.IncompleteReadError as e:
        raise ConnectionLost(f"connection closed after {len(e.partial)} bytes of a frame") from e
    except (ConnectionError, OSError) as e:
        raise ConnectionLost(str(e) or type(e).__name__) from e
