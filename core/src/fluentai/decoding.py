"""The loop every JSON stream decoder shares: split the bytes into frames (SSE events or
NDJSON lines), decode each payload straight into a msgspec Struct, report an undecodable
payload as MalformedStreamError (keeping its bytes), emit raw events on request, and hand
each decoded payload to the format's ``handle``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import msgspec

from .errors import MalformedStreamError, StreamInterruptedError
from .events import ErrorEvent, RawEvent, StreamEvent
from .framing import NDJSONParser, SSEParser
from .request import ChatRequest
from .toolcalls import ToolCallAssembler


class JSONStream(ABC):
    """Base of the JSON stream decoders; subclasses set ``payload_type`` and ``handle``."""

    payload_type: ClassVar[type]
    framing: ClassVar[str] = "sse"  # or "ndjson"
    done_marker: ClassVar[bytes | None] = None  # a non-JSON end payload, e.g. b"[DONE]"

    def __init__(self, provider: str, request: ChatRequest) -> None:
        self._provider = provider
        self._sse = self.framing == "sse"
        self._framer: Any = SSEParser() if self._sse else NDJSONParser()
        self._decode: Any = msgspec.json.Decoder(self.payload_type).decode
        self._tools = ToolCallAssembler(provider, request.partial_tool_arguments)
        self._raw = request.raw_events

    @abstractmethod
    def handle(self, payload: Any, out: list[StreamEvent]) -> bool:
        """Turn one decoded payload into events; False stops the stream (an error event)."""

    def done(self, out: list[StreamEvent]) -> None:
        """The ``done_marker`` payload arrived."""

    def feed(self, data: bytes) -> list[StreamEvent]:
        return self._events(self._framer.feed(data))

    def _events(self, frames: list[Any]) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        decode, handle, raw, sse = self._decode, self.handle, self._raw, self._sse
        marker = self.done_marker
        for frame in frames:
            payload = frame[1] if sse else frame
            if payload == marker:
                self.done(out)
                continue
            try:
                item = decode(payload)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                out.append(ErrorEvent(MalformedStreamError(
                    f"could not decode a stream payload: {exc}", provider=self._provider,
                    raw=payload)))
                return out
            if raw:
                out.append(RawEvent(payload))
            if not handle(item, out):
                return out
        return out

    def close(self) -> list[StreamEvent]:
        """Events at end of body: the rest of the frames, then ``finish``."""
        out = self._events(self._framer.close())
        return out + self.finish()

    def finish(self) -> list[StreamEvent]:
        """What the end of the body means for this format (override)."""
        return []

    def interrupted(self, what: str) -> list[StreamEvent]:
        return [ErrorEvent(StreamInterruptedError(
            f"the stream ended before {what} (connection closed early?)",
            provider=self._provider))]
