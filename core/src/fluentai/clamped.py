"""The sync client's deadline-following body for HTTP/2 and HTTP/3 (apart from
``timeouts.py`` because it subclasses an httpx class: importing fluentai does not import
httpx)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from .timeouts import Deadline


class Clamped(httpx.SyncByteStream):
    """A sync HTTP/2 or HTTP/3 body whose read limit is cut to the time left after every
    chunk: those transports take their limit afresh for each read, so no read outlives
    the call's deadlines (HTTP/1.1 has the watchdog instead). Used only when the call has
    a deadline."""

    def __init__(self, stream: httpx.SyncByteStream, limits: dict[str, Any],
                 deadline: Deadline) -> None:
        self._stream = stream
        self._limits = limits
        self._deadline = deadline

    def __iter__(self) -> Iterator[bytes]:
        update, extension = self._limits.update, self._deadline.extension
        for chunk in self._stream:
            yield chunk
            update(extension(first=True))  # the first-token deadline, until it is met

    def close(self) -> None:
        self._stream.close()
