"""Newline-delimited JSON framing (Ollama and others): one JSON value per line."""

from __future__ import annotations


class NDJSONParser:
    """Incremental NDJSON splitter; ``feed`` returns complete, non-blank lines."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = b""

    def feed(self, chunk: bytes) -> list[bytes]:
        buf = self._buf + chunk if self._buf else chunk
        lines = buf.split(b"\n")
        self._buf = lines.pop()
        return [line for line in lines if line.strip()]

    def close(self) -> list[bytes]:
        """A last line without a newline is still a line."""
        rest, self._buf = self._buf.strip(), b""
        return [rest] if rest else []

    @property
    def pending(self) -> bool:
        return bool(self._buf.strip())
