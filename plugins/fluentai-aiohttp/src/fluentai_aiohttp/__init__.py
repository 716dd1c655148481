"""aiohttp for fluentai: a transport whose responses reach the stream decoder without
httpx objects per request or per chunk (transport contract version 2).

Opt in per client (``Client(transport="aiohttp")``), per provider
(``providers={"openai": {"transport": "aiohttp"}}``) or by environment
(``FLUENTAI_TRANSPORT=aiohttp``, ``FLUENTAI_OPENAI_TRANSPORT=aiohttp``). aiohttp is
imported only when a client builds the transport.
"""

from __future__ import annotations

from typing import Any

from fluentai import hookimpl
from fluentai.transport import TransportOptions

__version__ = "0.1.0"


@hookimpl
def fluentai_providers() -> list[Any]:
    return []  # a transport, not a provider


@hookimpl
def fluentai_transport(provider: Any, is_async: bool, options: TransportOptions) -> Any:
    if options.name != "aiohttp":
        return None
    from .transport import AiohttpTransport, AsyncAiohttpTransport

    return AsyncAiohttpTransport(options) if is_async else AiohttpTransport(options)
