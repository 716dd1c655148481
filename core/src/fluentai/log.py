"""Structured logs (structlog): one event per request start, retry, error and end, with
the trace and span ids, secrets redacted. Off by default, as a library's logs should be:
``fluentai.log.configure()`` (or FLUENTAI_LOG=console|json) turns them on; human console
output by default, JSON on request."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any

from . import redact

_logger: Any = None


def configure(json: bool | None = None, level: str = "info") -> None:
    """Emit fluentai's events to stderr; ``json=True`` for one JSON object per line."""
    global _logger
    import logging

    import structlog

    if json is None:
        json = os.environ.get("FLUENTAI_LOG", "").lower() == "json"
    renderer: Any = structlog.processors.JSONRenderer() if json else \
        structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    _logger = structlog.wrap_logger(
        structlog.PrintLogger(file=sys.stderr),
        processors=[structlog.processors.add_log_level,
                    structlog.processors.TimeStamper(fmt="iso"), _trace_ids, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]),
    ).bind(logger="fluentai")


def enabled() -> bool:
    return _logger is not None


def event(name: str, secrets: Iterable[str] = (), level: str = "info", **fields: Any) -> None:
    """Log one event; any of ``secrets`` found in a string field is replaced."""
    if _logger is None:
        return
    hidden = [s for s in secrets if len(s) >= redact.MIN_LENGTH]
    if hidden:
        context = fields.pop("_span_context", None)
        fields = redact.scrub_data(fields, hidden)
        if context is not None:
            fields["_span_context"] = context
    getattr(_logger, level)(name, **fields)


def _trace_ids(logger: Any, method: str, event_dict: MutableMapping[str, Any]
               ) -> MutableMapping[str, Any]:
    from opentelemetry import trace

    ctx = event_dict.pop("_span_context", None) or trace.get_current_span().get_span_context()
    if ctx.is_valid:
        event_dict["trace_id"] = format(ctx.trace_id, "032x")
        event_dict["span_id"] = format(ctx.span_id, "016x")
    return event_dict


if os.environ.get("FLUENTAI_LOG"):
    configure()
