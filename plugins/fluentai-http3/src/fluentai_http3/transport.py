"""The HTTP/3 transport: httpx transports (async, and sync on a private loop thread) that
speak HTTP/3 over QUIC with aioquic, one multiplexed connection per host."""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
from collections.abc import AsyncIterator, Iterator
from typing import Any, cast

import httpx
from aioquic.asyncio.client import connect
from aioquic.asyncio.protocol import QuicConnectionProtocol
from aioquic.h3.connection import H3_ALPN, ErrorCode, H3Connection
from aioquic.h3.events import DataReceived, H3Event, HeadersReceived
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.events import ConnectionTerminated, HandshakeCompleted, QuicEvent, StreamReset

from fluentai.loop_thread import LoopThread
from fluentai.transport import TransportOptions

__all__ = ["AsyncHTTP3Transport", "HTTP3Transport"]

# Connection-specific headers are forbidden in HTTP/3 (RFC 9114, 4.2); host is :authority.
_DROPPED = {b"host", b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding",
            b"upgrade"}
_END = object()


def quic_configuration(options: TransportOptions) -> QuicConfiguration:
    """``verify`` as aioquic takes it: certifi's CAs by default, a CA file, the CAs loaded
    in an ssl.SSLContext, or no verification."""
    config = QuicConfiguration(is_client=True, alpn_protocols=H3_ALPN)
    verify = options.verify
    if verify is False:
        config.verify_mode = ssl.CERT_NONE
    elif isinstance(verify, (str, os.PathLike)):
        config.load_verify_locations(cafile=os.fspath(verify))
    elif isinstance(verify, ssl.SSLContext):
        pem = "".join(ssl.DER_cert_to_PEM_cert(der)
                      for der in verify.get_ca_certs(binary_form=True))
        if pem:
            config.load_verify_locations(cadata=pem.encode())
    return config


class _Exchange:
    """One request's half of the connection: its response headers, then its body."""

    __slots__ = ("chunks", "ended", "headers")

    def __init__(self) -> None:
        self.headers: asyncio.Future[list[tuple[bytes, bytes]]] = \
            asyncio.get_running_loop().create_future()
        self.chunks: asyncio.Queue[Any] = asyncio.Queue()
        self.ended = False

    def fail(self, error: Exception) -> None:
        if not self.headers.done():
            self.headers.set_exception(error)
        self.chunks.put_nowait(error)


class _H3Protocol(QuicConnectionProtocol):
    """Routes HTTP/3 events to the exchange waiting on their stream."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.h3 = H3Connection(self._quic)
        self.exchanges: dict[int, _Exchange] = {}
        self.terminated: str | None = None
        # our own handshake future (aioquic's wait_connected shields one that nobody
        # retrieves when the wait is abandoned, which asyncio then reports as an error)
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def quic_event_received(self, event: QuicEvent) -> None:
        if isinstance(event, HandshakeCompleted) and not self.ready.done():
            self.ready.set_result(None)
        if isinstance(event, ConnectionTerminated):
            self.terminated = event.reason_phrase or f"error {event.error_code}"
            if not self.ready.done():
                self.ready.set_exception(ConnectionError(self.terminated))
            for exchange in self.exchanges.values():
                exchange.fail(httpx.RemoteProtocolError(
                    f"the QUIC connection closed: {self.terminated}"))
            self.exchanges.clear()
        elif isinstance(event, StreamReset):
            found = self.exchanges.pop(event.stream_id, None)
            if found is not None:
                found.fail(httpx.RemoteProtocolError(
                    f"the server reset the stream (error {event.error_code})"))
        for h3_event in self.h3.handle_event(event):
            self._deliver(h3_event)

    def _deliver(self, event: H3Event) -> None:
        exchange = self.exchanges.get(getattr(event, "stream_id", -1))
        if exchange is None:
            return
        if isinstance(event, HeadersReceived) and not exchange.headers.done():
            exchange.headers.set_result(event.headers)
        elif isinstance(event, DataReceived) and event.data:
            exchange.chunks.put_nowait(event.data)
        if getattr(event, "stream_ended", False):
            exchange.ended = True
            exchange.chunks.put_nowait(_END)
            self.exchanges.pop(event.stream_id, None)  # type: ignore[attr-defined]

    async def send(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        authority = url.netloc
        headers = [(b":method", request.method.encode()), (b":scheme", b"https"),
                   (b":authority", authority), (b":path", url.raw_path)]
        headers += [(k.lower(), v) for k, v in request.headers.raw if k.lower() not in _DROPPED]
        body = await request.aread()
        stream_id = self._quic.get_next_available_stream_id()
        exchange = self.exchanges[stream_id] = _Exchange()
        self.h3.send_headers(stream_id, headers, end_stream=not body)
        if body:
            self.h3.send_data(stream_id, body, end_stream=True)
        self.transmit()
        try:
            raw = await _within(_limit(request, "read"), exchange.headers, httpx.ReadTimeout)
        except BaseException:
            self.cancel(stream_id)
            raise
        status = next(int(v) for k, v in raw if k == b":status")
        return httpx.Response(status, headers=[(k, v) for k, v in raw if not k.startswith(b":")],
                              stream=_Body(self, stream_id, exchange, request),
                              extensions={"http_version": b"HTTP/3"}, request=request)

    def cancel(self, stream_id: int) -> None:
        """Leave a stream early: tell the server to stop (it frees its side at once)."""
        if self.exchanges.pop(stream_id, None) is None or self.terminated:
            return
        code = ErrorCode.H3_REQUEST_CANCELLED
        with contextlib.suppress(Exception):  # the stream may have just ended
            self._quic.stop_stream(stream_id, code)  # STOP_SENDING: the server stops now
        with contextlib.suppress(Exception):  # our side may be finished already
            self._quic.reset_stream(stream_id, code)
        self.transmit()


class _Body(httpx.AsyncByteStream):
    def __init__(self, protocol: _H3Protocol, stream_id: int, exchange: _Exchange,
                 request: httpx.Request) -> None:
        self._protocol = protocol
        self._stream_id = stream_id
        self._exchange = exchange
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = self._exchange.chunks
        while True:
            # the limit is read per chunk: fluentai tightens it to the call's deadlines
            item = await _within(_limit(self._request, "read"), chunks.get(), httpx.ReadTimeout)
            if item is _END:
                return
            if isinstance(item, Exception):
                raise item
            yield item

    async def aclose(self) -> None:
        if not self._exchange.ended:
            self._protocol.cancel(self._stream_id)


def _limit(request: httpx.Request, phase: str) -> float | None:
    value = request.extensions.get("timeout", {}).get(phase)
    return None if value is None else float(value)


async def _within(seconds: float | None, awaitable: Any, error: type[Exception]) -> Any:
    if seconds is None:
        return await awaitable
    try:
        async with asyncio.timeout(seconds):
            return await awaitable
    except TimeoutError:
        raise error(f"no data within {seconds:g}s") from None


class AsyncHTTP3Transport(httpx.AsyncBaseTransport):
    """One QUIC connection per host and port, opened on first use and reopened if lost."""

    def __init__(self, options: TransportOptions | None = None) -> None:
        self._config = quic_configuration(options or TransportOptions(name="http3"))
        self._connections: dict[tuple[str, int], tuple[contextlib.AsyncExitStack,
                                                       _H3Protocol]] = {}
        self._lock: asyncio.Lock | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme != "https":
            raise httpx.UnsupportedProtocol(
                f"HTTP/3 runs over QUIC, which is always encrypted: use an https:// base URL, "
                f"not {request.url.scheme}://")
        protocol = await self._connection(request)
        return await protocol.send(request)

    async def _connection(self, request: httpx.Request) -> _H3Protocol:
        host, port = request.url.host, request.url.port or 443
        found = self._connections.get((host, port))
        if found is not None and found[1].terminated is None:
            return found[1]
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            found = self._connections.get((host, port))
            if found is not None and found[1].terminated is None:
                return found[1]
            if found is not None:
                await _quietly_close(found[0])
            stack = contextlib.AsyncExitStack()
            config = QuicConfiguration(**{**vars(self._config), "server_name": host})
            try:
                opened = await stack.enter_async_context(connect(
                    host, port, configuration=config, create_protocol=_H3Protocol,
                    wait_connected=False))
                protocol = cast(_H3Protocol, opened)
                protocol.transmit()  # the first handshake flight
                await _within(_limit(request, "connect"), protocol.ready, httpx.ConnectTimeout)
            except ConnectionError as exc:
                await _quietly_close(stack)
                raise httpx.ConnectError(f"QUIC handshake with {host}:{port} failed: "
                                         f"{exc or type(exc).__name__}") from None
            except BaseException:
                await _quietly_close(stack)
                raise
            self._connections[(host, port)] = (stack, protocol)
            return protocol

    async def aclose(self) -> None:
        connections, self._connections = self._connections, {}
        for stack, _ in connections.values():
            await _quietly_close(stack)


async def _quietly_close(stack: contextlib.AsyncExitStack) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(stack.aclose(), 2)


class HTTP3Transport(httpx.BaseTransport):
    """The sync face of AsyncHTTP3Transport: its loop runs in a daemon thread."""

    def __init__(self, options: TransportOptions | None = None) -> None:
        self._async = AsyncHTTP3Transport(options)
        self._thread = LoopThread("fluentai-http3")

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        response = self._thread.run(self._async.handle_async_request(request))
        body = _SyncBody(self._thread, response.stream)
        return httpx.Response(response.status_code, headers=response.headers.raw, stream=body,
                              extensions=response.extensions, request=request)

    def close(self) -> None:
        self._thread.close(self._async.aclose())


class _SyncBody(httpx.SyncByteStream):
    def __init__(self, thread: LoopThread, stream: Any) -> None:
        self._thread = thread
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        return self._thread.iterate(self._stream.__aiter__())

    def close(self) -> None:
        self._thread.run(self._stream.aclose())
