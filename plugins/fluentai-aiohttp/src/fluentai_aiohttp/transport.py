"""The aiohttp transport: fluentai's transport contract version 2 (``fluentai.exchange``).

The request is sent by aiohttp and the body's chunks go straight to fluentai's stream
decoder, with no httpx object per request or per chunk; httpx-shaped callers (a plain
``httpx.AsyncClient(transport=...)``) are served too. The sync client runs the same code
on a private event-loop thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import aiohttp
import httpx

from fluentai.exchange import AsyncExchange, Exchange
from fluentai.loop_thread import LoopThread
from fluentai.transport import TransportOptions

__all__ = ["AiohttpTransport", "AsyncAiohttpTransport"]

# aiohttp writes these itself (and its own Host from the URL)
_DROPPED = {"host", "content-length", "transfer-encoding", "connection"}


class _Body:
    """A response body read chunk by chunk; ``read`` (the current per-read limit, which
    fluentai tightens and relaxes as deadlines come and go) is kept by one lazy timer, so
    a chunk costs a clock read, not a timer of its own."""

    __slots__ = ("_expired", "_last", "_loop", "_request", "_response", "_timer", "ended")

    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response = response
        self._request = request
        self._loop = asyncio.get_running_loop()
        self._last = self._loop.time()
        self._expired = False
        self._timer: asyncio.TimerHandle | None = None
        self.ended = False

    def _arm(self) -> None:
        limit = _limit(self._request, "read")
        if limit is not None and not self.ended:
            self._timer = self._loop.call_at(self._last + limit, self._check)

    def _check(self) -> None:
        limit = _limit(self._request, "read")
        if limit is None or self._loop.time() - self._last < limit:
            self._arm()  # data came in time (or the limit went): look again later
            return
        self._expired = True
        self._response.close()  # wakes the pending read with an error

    async def chunks(self) -> AsyncIterator[bytes]:
        self._arm()
        loop = self._loop
        try:
            async for chunk in self._response.content.iter_any():
                self._last = loop.time()
                yield chunk
        except (aiohttp.ClientError, OSError) as exc:
            if self._expired:
                raise httpx.ReadTimeout(f"no data within {_limit(self._request, 'read')}s",
                                        request=self._request) from None
            # aiohttp raises a broken connection before handing out what it had already
            # received; nothing is lost: those bytes first, then the error
            rest = b"".join(getattr(self._response.content, "_buffer", ()))
            if rest:
                yield rest
            raise httpx.ReadError(f"{type(exc).__name__}: {exc}",
                                  request=self._request) from None
        finally:
            self.ended = True
            if self._timer is not None:
                self._timer.cancel()
        if self._expired:
            raise httpx.ReadTimeout(f"no data within {_limit(self._request, 'read')}s",
                                    request=self._request)

    async def close(self) -> None:
        """Release a finished connection to the pool; drop one left mid-body."""
        if self._timer is not None:
            self._timer.cancel()
        if self._response.content.is_eof():
            self._response.release()
        else:
            self._response.close()


def _limit(request: httpx.Request, phase: str) -> float | None:
    value = request.extensions.get("timeout", {}).get(phase)
    return None if value is None else float(value)


class AsyncAiohttpTransport(httpx.AsyncBaseTransport):
    """One aiohttp session (and connection pool) per transport, opened on first use."""

    def __init__(self, options: TransportOptions | None = None) -> None:
        self._options = options or TransportOptions(name="aiohttp")
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        session = self._session
        if session is None or session.closed:
            options = self._options
            ssl = options.ssl_context()
            connector = aiohttp.TCPConnector(
                limit=options.max_connections or 0, limit_per_host=0,
                keepalive_timeout=options.keepalive_expiry or 15.0,
                ssl=ssl)
            session = self._session = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=None),
                skip_auto_headers=("User-Agent",))
        return session

    async def fluentai_exchange(self, request: httpx.Request) -> AsyncExchange:
        """Contract version 2: the response, its body's chunks untouched by httpx."""
        response = await self._send(request)
        body = _Body(response, request)
        version = response.version
        found = AsyncExchange(request, response.status, _headers(response), body.chunks(),
                              body.close, "HTTP/1.1" if version is None else
                              f"HTTP/{version.major}.{version.minor}")
        if response.connection is not None:  # the sync client's watchdog shuts it down
            found.extensions["network_stream"] = response.connection.transport
        return found

    async def _send(self, request: httpx.Request) -> aiohttp.ClientResponse:
        headers = [(k, v) for k, v in request.headers.multi_items() if k not in _DROPPED]
        try:
            content = request.content
        except httpx.RequestNotRead:  # a streamed body (multipart audio): read it now
            content = await request.aread()
        connect, read = _limit(request, "connect"), _limit(request, "read")
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect)
        call = self._open().request(request.method, str(request.url), data=content or None,
                                    headers=headers, allow_redirects=False, timeout=timeout)
        try:
            if read is None:
                return await call
            try:
                async with asyncio.timeout(read + (connect or 0.0)):
                    return await call
            except TimeoutError:
                raise httpx.ReadTimeout(f"no response within {read}s",
                                        request=request) from None
        except aiohttp.ConnectionTimeoutError:
            raise httpx.ConnectTimeout(f"could not connect within {connect}s",
                                       request=request) from None
        except aiohttp.ClientConnectorError as exc:
            raise httpx.ConnectError(str(exc), request=request) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise httpx.ReadError(f"{type(exc).__name__}: {exc}", request=request) from None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Contract version 1 (any httpx client): the same exchange as an httpx.Response."""
        found = await self.fluentai_exchange(request)
        return httpx.Response(found.status_code, headers=found.headers,
                              stream=_AsyncStream(found), request=request,
                              extensions={"http_version": found.http_version.encode()})

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _headers(response: aiohttp.ClientResponse) -> list[tuple[bytes, bytes]]:
    """The raw response headers; aiohttp has already decompressed the body, so its
    content-encoding no longer applies."""
    raw = list(response.raw_headers)
    if "Content-Encoding" in response.headers:
        raw = [(k, v) for k, v in raw if k.lower() not in (b"content-encoding",
                                                           b"content-length")]
    return raw


class _AsyncStream(httpx.AsyncByteStream):
    def __init__(self, found: AsyncExchange) -> None:
        self._found = found

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self._found.aiter_bytes()

    async def aclose(self) -> None:
        await self._found.aclose()


class AiohttpTransport(httpx.BaseTransport):
    """The sync face of AsyncAiohttpTransport: its loop runs in a daemon thread."""

    def __init__(self, options: TransportOptions | None = None) -> None:
        self._async = AsyncAiohttpTransport(options)
        self._thread = LoopThread("fluentai-aiohttp")

    def fluentai_exchange(self, request: httpx.Request) -> Exchange:
        request.read()
        found = self._thread.run(self._async.fluentai_exchange(request))
        out = Exchange(request, found.status_code, found.headers,
                       self._thread.iterate(found.aiter_bytes()),
                       lambda: self._thread.run(found.aclose()), found.http_version)
        out.extensions.update(found.extensions)
        return out

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        found = self.fluentai_exchange(request)
        return httpx.Response(found.status_code, headers=found.headers,
                              stream=_SyncStream(found), request=request,
                              extensions={"http_version": found.http_version.encode()})

    def close(self) -> None:
        self._thread.close(self._async.aclose())


class _SyncStream(httpx.SyncByteStream):
    def __init__(self, found: Exchange) -> None:
        self._found = found

    def __iter__(self) -> Iterator[bytes]:
        return self._found.iter_bytes()

    def close(self) -> None:
        self._found.close()
