"""A real HTTP server on 127.0.0.1 (an ASGI app in a background thread) that serves
scripted or recorded responses and keeps every request it received.

Plain HTTP/1.1 runs under uvicorn. With ``tls=`` (see ``fluentai.testing.tls``) it runs
under hypercorn, which speaks HTTP/1.1 and HTTP/2 (ALPN) on TCP and, with ``http3=True``,
HTTP/3 over QUIC on the same port number.

Streamed bodies go out one frame per write (one SSE event, one NDJSON line), as providers
send them, so clients meet real chunked transfer framing. Faults are scriptable: a delay
before the headers or before the body, a pause between chunks, a connection dropped after
N chunks. The server also counts responses in flight and responses the client abandoned.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from ..optional import requires
from .cassettes import Interaction

if TYPE_CHECKING:
    from .tls import TLS

_SSE_EVENT = re.compile(rb".*?(?:\r\n\r\n|\n\n|\r\r)", re.DOTALL)
_HOP_HEADERS = {"content-length", "transfer-encoding", "content-encoding", "connection",
                "keep-alive"}


class Reply:
    """One scripted response. ``path`` (optional) must match the request's path."""

    def __init__(self, status: int = 200, body: bytes | str | Any = b"", *,
                 headers: dict[str, str] | None = None, chunks: list[bytes] | None = None,
                 path: str | None = None, delay: float = 0.0, body_delay: float = 0.0,
                 chunk_delay: float = 0.0, drop_after: int | None = None,
                 repeat: bool = False) -> None:
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            headers = {"content-type": "application/json", **(headers or {})}
        self.status = status
        self.body = body.encode() if isinstance(body, str) else body
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.chunks = chunks if chunks is not None else split_frames(self.body, self.headers)
        self.path = path
        self.delay = delay  # before the headers
        self.body_delay = body_delay  # after the headers, before the first chunk
        self.chunk_delay = chunk_delay
        self.drop_after = drop_after
        self.repeat = repeat

    @classmethod
    def from_interaction(cls, it: Interaction, **kw: Any) -> Reply:
        """The recorded response; by default served only at the recorded path."""
        kw.setdefault("path", it.path)
        return cls(it.status, it.response_body, headers=it.response_headers, **kw)


def split_frames(body: bytes, headers: dict[str, str]) -> list[bytes]:
    """Split a body into the frames a provider would write: SSE events, NDJSON lines."""
    ctype = headers.get("content-type", "")
    if "event-stream" in ctype:
        frames = [m.group(0) for m in _SSE_EVENT.finditer(body)]
        rest = body[sum(map(len, frames)):]
        return [*frames, rest] if rest else frames
    if "amazon.eventstream" in ctype:  # each message starts with its total length
        frames, pos = [], 0
        while pos + 4 <= len(body):
            size = int.from_bytes(body[pos:pos + 4], "big")
            frames.append(body[pos:pos + size])
            pos += size
        return frames
    if "ndjson" in ctype:
        return [line for line in body.splitlines(keepends=True)]
    return [body] if body else []


class Received:
    """A request as the server saw it."""

    def __init__(self, method: str, path: str, query: str, headers: dict[str, str],
                 body: bytes, raw_path: str = "", http_version: str = "1.1",
                 client_port: int = 0) -> None:
        self.method = method
        self.path = path
        self.raw_path = raw_path or path  # percent-encoded, exactly as sent
        self.query = query
        self.headers = headers
        self.body = body
        self.http_version = http_version
        self.client_port = client_port  # one per connection (per QUIC path for HTTP/3)

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<Received {self.method} {self.path}>"


class _Dropped(Exception):
    """Raised inside the app to cut the connection mid-body."""


class ReplayServer:
    """``with ReplayServer([Reply(...)]) as server: client(base_url=server.url)``."""

    def __init__(self, replies: list[Reply] | None = None, *, host: str = "127.0.0.1",
                 tls: TLS | None = None, http3: bool = False) -> None:
        if http3 and tls is None:
            raise ValueError("HTTP/3 needs tls= (QUIC is always encrypted)")
        self._replies: deque[Reply] = deque(replies or ())
        self.requests: list[Received] = []
        self._host = host
        self._tls = tls
        self._http3 = http3
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._stop: Any = None
        self.port = 0
        self.active = 0  # responses being sent right now
        self.abandoned = 0  # responses the client walked away from

    @classmethod
    def from_cassette(cls, interactions: list[Interaction], **kw: Any) -> ReplayServer:
        return cls([Reply.from_interaction(it, **kw) for it in interactions])

    def add(self, *replies: Reply) -> None:
        self._replies.extend(replies)

    @property
    def url(self) -> str:
        scheme = "https" if self._tls else "http"
        return f"{scheme}://{self._host}:{self.port}"

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no response is in flight (True), or give up after ``timeout``."""
        deadline = time.monotonic() + timeout
        while self.active and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.active == 0

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].removeprefix("lifespan.")
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode()
        client = scope.get("client") or ("", 0)
        self.requests.append(Received(scope["method"], scope["path"],
                                      scope["query_string"].decode(), headers, body, raw_path,
                                      scope.get("http_version", "1.1"), client[1]))
        reply = self._next(scope["path"])
        gone = asyncio.Event()

        async def watch() -> None:  # the client may leave at any moment
            while (await receive())["type"] != "http.disconnect":
                pass
            gone.set()

        watcher = asyncio.ensure_future(watch())
        self.active += 1
        try:
            await self._respond(reply, send, gone)
        except _Dropped:
            raise
        except Exception:  # the client went away under a write (servers raise differently)
            gone.set()
        finally:
            self.active -= 1
            if gone.is_set():
                self.abandoned += 1
            watcher.cancel()

    async def _respond(self, reply: Reply, send: Any, gone: asyncio.Event) -> None:
        if reply.delay:
            await _sleep_unless(gone, reply.delay)
        out_headers = [(k.encode(), v.encode()) for k, v in reply.headers.items()
                       if k not in _HOP_HEADERS]
        if gone.is_set():
            return
        await send({"type": "http.response.start", "status": reply.status,
                    "headers": out_headers})
        if reply.body_delay:
            await _sleep_unless(gone, reply.body_delay)
        for i, chunk in enumerate(reply.chunks):
            if gone.is_set():
                return
            if reply.drop_after is not None and i >= reply.drop_after:
                raise _Dropped("connection dropped on purpose")
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if reply.chunk_delay:
                await _sleep_unless(gone, reply.chunk_delay)
        if not gone.is_set():
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    def _next(self, path: str) -> Reply:
        if not self._replies:
            return Reply(599, {"error": {"message": f"replay server: no reply left for {path}"}})
        reply = self._replies[0]
        if reply.path is not None and reply.path != path:
            return Reply(599, {"error": {"message": f"replay server: expected a request to "
                                                    f"{reply.path}, got {path}"}})
        if not reply.repeat:
            self._replies.popleft()
        return reply

    def start(self) -> ReplayServer:
        if self._tls is not None:
            return self._start_hypercorn(self._tls)
        with requires("'fluentai-core[testing]'", "ReplayServer"):
            import uvicorn

        config = uvicorn.Config(self, host=self._host, port=0, log_level="critical",
                                lifespan="off", http="h11", access_log=False)
        self._server = uvicorn.Server(config)
        self._server.install_signal_handlers = lambda: None  # not the main thread
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("replay server did not start")
            time.sleep(0.005)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        return self

    def _start_hypercorn(self, tls: TLS) -> ReplayServer:
        with requires("'fluentai-core[testing]'", "ReplayServer(tls=...)"):
            from hypercorn.asyncio import serve
            from hypercorn.config import Config

        config = Config()
        config.certfile, config.keyfile = str(tls.cert_file), str(tls.key_file)
        config.accesslog = None
        config.errorlog = None
        config.graceful_timeout = 0.2
        tcp, udp = _listening_sockets(self._host, udp=self._http3)
        self.port = tcp.getsockname()[1]
        config.bind = [f"fd://{tcp.detach()}"]  # hypercorn takes the bound sockets over
        if udp is not None:
            config.quic_bind = [f"fd://{udp.detach()}"]
        started = threading.Event()

        async def main() -> None:
            self._stop = (asyncio.get_running_loop(), asyncio.Event())
            started.set()
            await serve(self, config,  # type: ignore[arg-type]
                        shutdown_trigger=self._stop[1].wait)

        self._thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("replay server did not start")
        return self

    def stop(self) -> None:
        if self._stop is not None:
            loop, event = self._stop
            loop.call_soon_threadsafe(event.set)
            if self._thread is not None:  # a client that keeps its connection open holds
                self._thread.join(timeout=1)  # the (daemon) thread: close clients first
            self._stop = None
        if self._server is not None:
            self._server.should_exit = True
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


async def _sleep_unless(gone: asyncio.Event, seconds: float) -> None:
    """Sleep, but wake at once if the client leaves."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(gone.wait(), seconds)


def _listening_sockets(host: str, *, udp: bool) -> tuple[socket.socket, socket.socket | None]:
    """A listening TCP socket on a free port and, for HTTP/3, a UDP socket on the same
    port number (as real servers advertise h3 on their HTTPS port)."""
    for _ in range(50):
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind((host, 0))
        tcp.listen(1024)
        if not udp:
            return tcp, None
        quic = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            quic.bind((host, tcp.getsockname()[1]))
        except OSError:
            tcp.close()
            quic.close()
            continue
        return tcp, quic
    raise RuntimeError("no port free on both TCP and UDP")
