"""Secrets never leave fluentai. Every credential a provider holds or obtains (keys, OAuth
and Entra access tokens, AWS secret keys and session tokens, service-account keys) is
registered in its ``Secrets``; errors, span status and events, and log lines are scrubbed
of every registered value before anyone sees them. Scrubbing runs only on the way out of a
failure or a log line, never per chunk.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any, TypeVar

E = TypeVar("E", bound=BaseException)
MASK = "**********"
MIN_LENGTH = 8  # shorter values are no real credential and would mangle ordinary text
_ERROR_DATA = ("body", "request_id", "code", "raw", "raw_arguments", "pending_tool_calls")


class Secrets:
    """The credentials one provider has held or obtained, most recent ``limit`` kept (an
    old token may still be echoed by a request sent before it was replaced)."""

    __slots__ = ("_limit", "_lock", "_values")

    def __init__(self, limit: int = 64) -> None:
        self._values: dict[str, None] = {}
        self._lock = threading.Lock()
        self._limit = limit

    def add(self, *values: str | None) -> None:
        for value in values:
            if not value or len(value) < MIN_LENGTH or value in self._values:
                continue
            with self._lock:
                self._values[value] = None
                while len(self._values) > self._limit:
                    del self._values[next(iter(self._values))]

    def values(self) -> list[str]:
        return list(self._values)

    def __repr__(self) -> str:
        return f"Secrets({len(self._values)} registered)"


def scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def scrub_data(value: Any, secrets: list[str]) -> Any:
    """``value`` with every secret masked in every string (and bytes) inside it."""
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, bytes):
        for secret in secrets:
            value = value.replace(secret.encode(), MASK.encode())
        return value
    if isinstance(value, dict):
        return {scrub_data(k, secrets): scrub_data(v, secrets) for k, v in value.items()}
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple
        return type(value)(*(scrub_data(v, secrets) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(scrub_data(v, secrets) for v in value)
    return value


def scrub_error(error: E, secrets: Iterable[str]) -> E:
    """Mask secrets in ``error`` and in every exception chained to it: the message, the
    args (repr), ``body`` (recursively), the request id, raw bytes and notes."""
    hidden = [s for s in secrets if len(s) >= MIN_LENGTH]
    if not hidden:
        return error
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        _scrub_one(current, hidden)
        current = current.__cause__ or current.__context__
    return error


def _scrub_one(error: BaseException, secrets: list[str]) -> None:
    message = getattr(error, "message", None)
    if isinstance(message, str):
        error.message = scrub(message, secrets)  # type: ignore[attr-defined]
    error.args = scrub_data(error.args, secrets)
    for name in _ERROR_DATA:
        if hasattr(error, name):
            setattr(error, name, scrub_data(getattr(error, name), secrets))
    notes = getattr(error, "__notes__", None)
    if notes:
        error.__notes__ = scrub_data(list(notes), secrets)
