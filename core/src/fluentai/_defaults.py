"""Core's own hook implementations: each delegates to the Provider object, and runs last,
so any other plugin's implementation for a provider takes precedence."""

from __future__ import annotations

from typing import Any

from ._lazy import httpx
from .errors import APIStatusError
from .hookspecs import hookimpl
from .provider import Provider, StreamDecoder
from .request import AnyRequest, ChatRequest
from .transport import TransportOptions, httpx_transport


@hookimpl(trylast=True)
def fluentai_auth(provider: Provider) -> httpx.Auth:
    return provider.auth()


@hookimpl(trylast=True)
def fluentai_encode(provider: Provider, request: AnyRequest) -> httpx.Request:
    return provider.encode(request)


@hookimpl(trylast=True)
def fluentai_decode(provider: Provider, request: AnyRequest, response: httpx.Response) -> Any:
    return provider.decode(request, response)


@hookimpl(trylast=True)
def fluentai_stream_decoder(provider: Provider, request: ChatRequest) -> StreamDecoder:
    return provider.stream_decoder(request)


@hookimpl(trylast=True)
def fluentai_map_error(provider: Provider, response: httpx.Response) -> APIStatusError:
    return provider.map_error(response)


@hookimpl(trylast=True)
def fluentai_transport(provider: Provider, is_async: bool, options: TransportOptions) -> Any:
    return httpx_transport(options, is_async, provider.base_url)
