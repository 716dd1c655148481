"""HTTP/3 for fluentai: an httpx transport over QUIC (aioquic).

Opt in per client (``Client(transport="http3")``), per provider
(``providers={"openai": {"transport": "http3"}}``) or by environment
(``FLUENTAI_TRANSPORT=http3``, ``FLUENTAI_OPENAI_TRANSPORT=http3``). aioquic is imported
only when a client actually builds the transport, so installing the plugin costs the
other providers nothing.
"""

from __future__ import annotations

from typing import Any

from fluentai import hookimpl
from fluentai.optional import requires
from fluentai.transport import TransportOptions

__version__ = "0.1.0"


@hookimpl
def fluentai_providers() -> list[Any]:
    return []  # a transport, not a provider


@hookimpl
def fluentai_transport(provider: Any, is_async: bool, options: TransportOptions) -> Any:
    if options.name != "http3":
        return None
    with requires("'aioquic>=1.2'", "transport='http3'"):  # only missing in a broken install
        from .transport import AsyncHTTP3Transport, HTTP3Transport

    return AsyncHTTP3Transport(options) if is_async else HTTP3Transport(options)
