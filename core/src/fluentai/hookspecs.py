# mypy: disable-error-code="empty-body"
"""The plugin contract: pluggy hook specifications (project name ``fluentai``).

A provider plugin usually implements only ``fluentai_providers``; the Provider class it
returns supplies the default of every other hook. The other hooks exist so that a separate
plugin can change one seam of one provider (its auth, transport, encoding, decoding or
errors) without forking it: return a value for the providers you handle and None for the
rest. spec/hooks.md explains each one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import httpx

    from .errors import APIStatusError
    from .provider import Provider, StreamDecoder
    from .request import AnyRequest, ChatRequest
    from .transport import TransportOptions
    from .types import ModelInfo

hookspec = pluggy.HookspecMarker("fluentai")
hookimpl = pluggy.HookimplMarker("fluentai")


@hookspec
def fluentai_providers() -> list[type[Provider]]:
    """Return the Provider classes this plugin contributes."""


@hookspec(firstresult=True)
def fluentai_transport(provider: Provider, is_async: bool, options: TransportOptions
                       ) -> httpx.BaseTransport | httpx.AsyncBaseTransport | None:
    """Return the httpx transport named ``options.name`` if this plugin provides it."""


@hookspec(firstresult=True)
def fluentai_auth(provider: Provider) -> httpx.Auth | None:
    """Return the httpx.Auth that authorizes the provider's next request."""


@hookspec(firstresult=True)
def fluentai_encode(provider: Provider, request: AnyRequest) -> httpx.Request | None:
    """Encode a provider-neutral request into the provider's HTTP request."""


@hookspec(firstresult=True)
def fluentai_decode(provider: Provider, request: AnyRequest, response: httpx.Response) -> Any:
    """Decode a successful non-streamed HTTP response into fluentai's result type."""


@hookspec(firstresult=True)
def fluentai_stream_decoder(provider: Provider, request: ChatRequest) -> StreamDecoder | None:
    """Return a decoder that turns the streamed response body into stream events."""


@hookspec(firstresult=True)
def fluentai_map_error(provider: Provider, response: httpx.Response) -> APIStatusError | None:
    """Map an HTTP error response (already read) to a typed error."""


@hookspec
def fluentai_models(provider: Provider) -> list[ModelInfo] | None:
    """Return catalog entries for the provider's models not listed in models.yaml."""
