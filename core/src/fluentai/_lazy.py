"""Modules that load on first use.

``from ._lazy import httpx`` binds a stand-in that imports httpx the first time one of its
attributes is read (a request being built, an ``except httpx.TransportError`` being
matched), so that importing fluentai and resolving a provider never pay for httpx
or OpenTelemetry. Type checkers see the real modules.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any


class LazyModule:
    """Imports ``name`` when an attribute is first read; each attribute is then cached on
    the stand-in, so later reads cost what a module attribute costs."""

    def __init__(self, name: str) -> None:
        self.__name = name

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(import_module(self.__name), attribute)
        setattr(self, attribute, value)
        return value

    def __repr__(self) -> str:
        return f"<lazy module {self.__name!r}>"


if TYPE_CHECKING:
    import httpx as httpx
    from opentelemetry import metrics as metrics
    from opentelemetry import trace as trace
else:
    httpx = LazyModule("httpx")  # the first request
    trace = LazyModule("opentelemetry.trace")  # the first operation (telemetry.py)
    metrics = LazyModule("opentelemetry.metrics")
