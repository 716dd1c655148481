"""AWS event-stream binary framing (Bedrock ConverseStream, Transcribe, ...).

A message is: total length (4) · headers length (4) · prelude CRC32 (4) · headers · payload ·
message CRC32 (4), big-endian. Both checksums are verified: a corrupted frame raises
MalformedStreamError instead of turning into garbage text.
"""

from __future__ import annotations

import struct
import uuid
import zlib
from typing import Any

from ..errors import MalformedStreamError

_PRELUDE = struct.Struct(">III")
_MIN_MESSAGE = 16  # prelude + message CRC
_MAX_MESSAGE = 24 * 1024 * 1024


class EventStreamMessage:
    __slots__ = ("headers", "payload")

    def __init__(self, headers: dict[str, Any], payload: bytes) -> None:
        self.headers = headers
        self.payload = payload

    def __repr__(self) -> str:
        return f"EventStreamMessage(headers={self.headers!r}, payload={self.payload[:60]!r})"


def _parse_headers(raw: bytes) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    i, n = 0, len(raw)
    try:
        while i < n:
            name_len = raw[i]
            name = raw[i + 1:i + 1 + name_len].decode()
            i += 1 + name_len
            kind = raw[i]
            i += 1
            value: Any
            if kind == 0 or kind == 1:
                value = kind == 0
            elif kind == 2:
                value = struct.unpack_from(">b", raw, i)[0]
                i += 1
            elif kind == 3:
                value = struct.unpack_from(">h", raw, i)[0]
                i += 2
            elif kind == 4:
                value = struct.unpack_from(">i", raw, i)[0]
                i += 4
            elif kind == 5 or kind == 8:
                value = struct.unpack_from(">q", raw, i)[0]
                i += 8
            elif kind == 6 or kind == 7:
                length = struct.unpack_from(">H", raw, i)[0]
                value = raw[i + 2:i + 2 + length]
                if kind == 7:
                    value = value.decode()
                i += 2 + length
            elif kind == 9:
                value = uuid.UUID(bytes=raw[i:i + 16])
                i += 16
            else:
                raise MalformedStreamError(f"event-stream header {name!r} has unknown type {kind}")
            headers[name] = value
    except (IndexError, struct.error, UnicodeDecodeError) as exc:
        raise MalformedStreamError(f"event-stream headers are truncated: {exc}",
                                   raw=raw) from None
    return headers


class EventStreamParser:
    """Incremental AWS event-stream parser; ``feed`` returns complete, verified messages."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, chunk: bytes) -> list[EventStreamMessage]:
        self._buf += chunk
        buf = self._buf
        out: list[EventStreamMessage] = []
        pos = 0
        while len(buf) - pos >= 12:
            total, headers_len, prelude_crc = _PRELUDE.unpack_from(buf, pos)
            if zlib.crc32(buf[pos:pos + 8]) != prelude_crc:
                raise MalformedStreamError("event-stream prelude checksum mismatch "
                                           "(corrupted frame)", raw=bytes(buf[pos:pos + 12]))
            if not _MIN_MESSAGE + headers_len <= total <= _MAX_MESSAGE:
                raise MalformedStreamError(f"event-stream frame length {total} is invalid",
                                           raw=bytes(buf[pos:pos + 12]))
            if len(buf) - pos < total:
                break
            end = pos + total
            (message_crc,) = struct.unpack_from(">I", buf, end - 4)
            if zlib.crc32(buf[pos:end - 4]) != message_crc:
                raise MalformedStreamError("event-stream message checksum mismatch "
                                           "(corrupted frame)", raw=bytes(buf[pos:end]))
            headers = _parse_headers(bytes(buf[pos + 12:pos + 12 + headers_len]))
            out.append(EventStreamMessage(headers, bytes(buf[pos + 12 + headers_len:end - 4])))
            pos = end
        if pos:
            del buf[:pos]
        return out

    def close(self) -> list[EventStreamMessage]:
        if self._buf:
            size = len(self._buf)
            self._buf.clear()
            raise MalformedStreamError(f"event-stream ended inside a frame ({size} bytes left)")
        return []

    @property
    def pending(self) -> bool:
        return bool(self._buf)


def encode_message(headers: dict[str, str], payload: bytes) -> bytes:
    """Build one event-stream message (string headers only): used by test servers."""
    raw = b"".join(
        bytes([len(k)]) + k.encode() + b"\x07" + struct.pack(">H", len(v.encode())) + v.encode()
        for k, v in headers.items()
    )
    total = 16 + len(raw) + len(payload)
    prelude = struct.pack(">II", total, len(raw))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + raw + payload
    return body + struct.pack(">I", zlib.crc32(body))
