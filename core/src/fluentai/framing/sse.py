"""Server-sent events per the WHATWG event-stream rules: CR, LF and CRLF line ends, comments,
multi-line data, ``event``/``id``/``retry`` fields, a leading BOM, events split anywhere."""

from __future__ import annotations

_BOM = b"\xef\xbb\xbf"


class SSEParser:
    """Incremental SSE parser; ``feed`` returns ``(event_name, data)`` pairs."""

    __slots__ = ("_buf", "_data", "_event", "_started", "last_event_id", "retry")

    def __init__(self) -> None:
        self._buf = b""
        self._data: bytes | None = None
        self._event = ""
        self._started = False
        self.last_event_id = ""
        self.retry: int | None = None

    def feed(self, chunk: bytes) -> list[tuple[str, bytes]]:
        buf = self._buf + chunk if self._buf else chunk
        if not self._started:
            if len(buf) < 3 and _BOM.startswith(buf):
                self._buf = buf
                return []
            self._started = True
            if buf.startswith(_BOM):
                buf = buf[3:]
        if b"\r" in buf:
            if buf.endswith(b"\r"):  # may be the first half of a CRLF
                self._buf = b"\r"
                buf = buf[:-1]
            else:
                self._buf = b""
            lines = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
            self._buf = lines.pop() + self._buf
        else:
            lines = buf.split(b"\n")
            self._buf = lines.pop()
        out: list[tuple[str, bytes]] = []
        data = self._data
        for line in lines:
            if not line:
                if data is not None:
                    out.append((self._event or "message", data))
                    data = None
                self._event = ""
            elif line.startswith(b"data:"):
                value = line[6:] if line[5:6] == b" " else line[5:]
                data = value if data is None else data + b"\n" + value
            elif line[0] != 58:  # a line starting with ':' is a comment
                name, _, value = line.partition(b":")
                if value[:1] == b" ":
                    value = value[1:]
                if name == b"data":  # "data" with no colon
                    data = value if data is None else data + b"\n" + value
                elif name == b"event":
                    self._event = value.decode("utf-8", "replace")
                elif name == b"id" and b"\0" not in value:
                    self.last_event_id = value.decode("utf-8", "replace")
                elif name == b"retry" and value.isdigit():
                    self.retry = int(value)
        self._data = data
        return out

    def close(self) -> list[tuple[str, bytes]]:
        """End of stream: a final line ending in a lone CR still counts; an event not closed by
        a blank line is dropped, as the standard says (the caller sees a truncated stream)."""
        out = []
        if self._buf == b"\r":
            self._buf = b""
            out = self.feed(b"\n")
        self._buf = b""
        self._data = None
        return out

    @property
    def pending(self) -> bool:
        """True if bytes of an unfinished event are buffered."""
        return bool(self._buf) or self._data is not None
