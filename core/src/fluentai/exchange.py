"""Transport contract version 2: a transport that hands the body's bytes straight to the
stream decoder, with no httpx client around it and no httpx object per chunk.

A transport returned by ``fluentai_transport`` is an httpx transport (version 1, the
default: httpx's own, fluentai-http3). It may also offer ``fluentai_exchange(request)``
(a coroutine function for async transports, a plain function for sync ones) returning an
``AsyncExchange`` / ``Exchange``; the clients then call it instead of
``httpx.Client.send``: the request is still the ``httpx.Request`` the encode hook built,
authorized by the auth hook's flow (run to its first request), and the hooks that take a
response (decode, map_error) still get an ``httpx.Response``, built once per request from
the exchange. Network failures are raised as httpx.TransportError subclasses, as in
version 1. spec/hooks.md describes the contract.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

from ._lazy import httpx

CONTRACT = 2  # the transport contract version this core speaks (spec/versioning.md)


class _Base:
    """The part of httpx.Response the clients read."""

    __slots__ = ("_content", "extensions", "headers", "http_version", "request",
                 "status_code")

    def __init__(self, request: httpx.Request, status_code: int,
                 headers: list[tuple[bytes, bytes]], http_version: str = "HTTP/1.1") -> None:
        self.request = request
        self.status_code = status_code
        self.headers = headers  # raw pairs, as received
        self.http_version = http_version
        self.extensions: dict[str, Any] = {}
        self._content: bytes | None = None

    @property
    def content(self) -> bytes:
        if self._content is None:
            raise RuntimeError("the body has not been read")
        return self._content

    def to_httpx(self) -> httpx.Response:
        """An httpx.Response with the body read (for the decode and map_error hooks)."""
        content = self.content
        response = httpx.Response(self.status_code, headers=self.headers,
                                  stream=httpx.ByteStream(content), request=self.request,
                                  extensions={"http_version": self.http_version.encode()})
        response._content = content  # read already: what Response.read() would store
        return response


class AsyncExchange(_Base):
    """One response of an async version-2 transport: ``chunks`` yields the body as it
    arrives; ``close`` frees the connection (and drops it when the body was not read to
    its end)."""

    __slots__ = ("_chunks", "_close")

    def __init__(self, request: httpx.Request, status_code: int,
                 headers: list[tuple[bytes, bytes]], chunks: AsyncIterator[bytes],
                 close: Callable[[], Awaitable[None]], http_version: str = "HTTP/1.1"
                 ) -> None:
        super().__init__(request, status_code, headers, http_version)
        self._chunks = chunks
        self._close = close

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        return self._chunks

    async def aread(self) -> bytes:
        if self._content is None:
            self._content = b"".join([chunk async for chunk in self._chunks])
        return self._content

    async def aclose(self) -> None:
        await self._close()


class Exchange(_Base):
    """The sync counterpart of AsyncExchange."""

    __slots__ = ("_chunks", "_close")

    def __init__(self, request: httpx.Request, status_code: int,
                 headers: list[tuple[bytes, bytes]], chunks: Iterator[bytes],
                 close: Callable[[], None], http_version: str = "HTTP/1.1") -> None:
        super().__init__(request, status_code, headers, http_version)
        self._chunks = chunks
        self._close = close

    def iter_bytes(self) -> Iterator[bytes]:
        return self._chunks

    def read(self) -> bytes:
        if self._content is None:
            self._content = b"".join(list(self._chunks))
        return self._content

    def close(self) -> None:
        self._close()


def direct(transport: Any) -> Callable[[httpx.Request], Any] | None:
    """The transport's version-2 entry point, if it has one."""
    return getattr(transport, "fluentai_exchange", None)


def authorized(auth: httpx.Auth, request: httpx.Request) -> httpx.Request:
    """The request as the auth flow sends it (sync; the flow's first request)."""
    flow = auth.sync_auth_flow(request)
    try:
        return next(flow)
    finally:
        flow.close()


async def aauthorized(auth: httpx.Auth, request: httpx.Request) -> httpx.Request:
    flow = auth.async_auth_flow(request)
    try:
        return await flow.__anext__()
    finally:
        await flow.aclose()


def as_httpx(response: Any) -> httpx.Response:
    """What the decode and map_error hooks receive: always an httpx.Response."""
    to_httpx = getattr(response, "to_httpx", None)
    return response if to_httpx is None else to_httpx()  # type: ignore[no-any-return]
