"""Byte framings providers stream in: server-sent events, NDJSON and AWS event-stream.

Each is an incremental parser: ``feed(bytes)`` returns the complete frames so far and keeps
the rest, so a frame split across network reads comes out whole.
"""

from .eventstream import EventStreamMessage, EventStreamParser
from .ndjson import NDJSONParser
from .sse import SSEParser

__all__ = ["EventStreamMessage", "EventStreamParser", "NDJSONParser", "SSEParser"]
