"""Assembles streamed tool calls: one start, argument deltas, one end with parsed arguments.

Every stream decoder uses this, so that interleaved calls, empty arguments, invalid JSON and
the opt-in partial parse behave the same for every provider.
"""

from __future__ import annotations

from typing import Any

import msgspec

from .errors import ToolArgumentsError
from .events import ErrorEvent, ToolCallDelta, ToolCallEnd, ToolCallStart

_decode = msgspec.json.decode


def parse_arguments(raw: str | bytes, *, provider: str = "", tool_call_id: str = "",
                    tool_name: str = "") -> dict[str, Any]:
    """Parse a tool call's JSON arguments; empty means no arguments."""
    if not raw.strip():
        return {}
    try:
        value = _decode(raw)
    except msgspec.DecodeError as exc:
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        raise ToolArgumentsError(
            f"tool call {tool_name!r} ({tool_call_id}) has arguments that are not valid JSON "
            f"({exc}); the raw text is kept on .raw_arguments",
            provider=provider, tool_call_id=tool_call_id, tool_name=tool_name,
            raw_arguments=text) from None
    if not isinstance(value, dict):
        text = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        raise ToolArgumentsError(
            f"tool call {tool_name!r} ({tool_call_id}) has arguments that are not a JSON object",
            provider=provider, tool_call_id=tool_call_id, tool_name=tool_name,
            raw_arguments=text)
    return value


def partial_parse(raw: str) -> Any:
    """Best-effort parse of incomplete JSON (for rendering a call while it streams)."""
    import jiter

    try:
        return jiter.from_json(raw.encode(), partial_mode="trailing-strings")
    except ValueError:
        return None


class _Call:
    __slots__ = ("id", "name", "parts")

    def __init__(self, id: str, name: str) -> None:
        self.id = id
        self.name = name
        self.parts: list[str] = []


class ToolCallAssembler:
    """Tracks the open tool calls of one stream, keyed by the provider's index."""

    __slots__ = ("_calls", "_partial", "_provider")

    def __init__(self, provider: str, partial: bool = False) -> None:
        self._calls: dict[int, _Call] = {}
        self._provider = provider
        self._partial = partial

    def __contains__(self, index: int) -> bool:
        return index in self._calls

    def __bool__(self) -> bool:
        return bool(self._calls)

    def start(self, index: int, id: str, name: str) -> ToolCallStart:
        self._calls[index] = _Call(id, name)
        return ToolCallStart(index, id, name)

    def delta(self, index: int, text: str) -> ToolCallDelta:
        call = self._calls[index]
        call.parts.append(text)
        partial = partial_parse("".join(call.parts)) if self._partial else None
        return ToolCallDelta(index, call.id, text, partial)

    def end(self, index: int, arguments: dict[str, Any] | None = None
            ) -> ToolCallEnd | ErrorEvent:
        """Close a call; ``arguments`` given by the provider win over the streamed text."""
        call = self._calls.pop(index)
        if arguments is None:
            try:
                arguments = parse_arguments("".join(call.parts), provider=self._provider,
                                            tool_call_id=call.id, tool_name=call.name)
            except ToolArgumentsError as exc:
                return ErrorEvent(exc)
        return ToolCallEnd(index, call.id, call.name, arguments)

    def end_all(self) -> list[ToolCallEnd | ErrorEvent]:
        return [self.end(i) for i in sorted(self._calls)]
