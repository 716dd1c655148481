"""A real HTTP server on 127.0.0.1 (an ASGI app under uvicorn, in a background thread)
that serves scripted or recorded responses and keeps every request it received.

Streamed bodies go out one frame per write (one SSE event, one NDJSON line), as providers
send them, so clients meet real chunked transfer framing. Faults are scriptable: a delay
before the first byte, a pause between chunks, a connection dropped after N chunks.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections import deque
from typing import Any

from .cassettes import Interaction

_SSE_EVENT = re.compile(rb".*?(?:\r\n\r\n|\n\n|\r\r)", re.DOTALL)
_HOP_HEADERS = {"content-length", "transfer-encoding", "content-encoding", "connection",
                "keep-alive"}


class Reply:
    """One scripted response. ``path`` (optional) must match the request's path."""

    def __init__(self, status: int = 200, body: bytes | str | Any = b"", *,
                 headers: dict[str, str] | None = None, chunks: list[bytes] | None = None,
                 path: str | None = None, delay: float = 0.0, chunk_delay: float = 0.0,
                 drop_after: int | None = None, repeat: bool = False) -> None:
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            headers = {"content-type": "application/json", **(headers or {})}
        self.status = status
        self.body = body.encode() if isinstance(body, str) else body
        self.headers = {k.lower(): v for k, v in (headers or {}).items()}
        self.chunks = chunks if chunks is not None else split_frames(self.body, self.headers)
        self.path = path
        self.delay = delay
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
                 body: bytes, raw_path: str = "") -> None:
        self.method = method
        self.path = path
        self.raw_path = raw_path or path  # percent-encoded, exactly as sent
        self.query = query
        self.headers = headers
        self.body = body

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<Received {self.method} {self.path}>"


class _Dropped(Exception):
    """Raised inside the app to cut the connection mid-body."""


class ReplayServer:
    """``with ReplayServer([Reply(...)]) as server: client(base_url=server.url)``."""

    def __init__(self, replies: list[Reply] | None = None, *, host: str = "127.0.0.1") -> None:
        self._replies: deque[Reply] = deque(replies or ())
        self.requests: list[Received] = []
        self._host = host
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @classmethod
    def from_cassette(cls, interactions: list[Interaction], **kw: Any) -> ReplayServer:
        return cls([Reply.from_interaction(it, **kw) for it in interactions])

    def add(self, *replies: Reply) -> None:
        self._replies.extend(replies)

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
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
        self.requests.append(Received(scope["method"], scope["path"],
                                      scope["query_string"].decode(), headers, body, raw_path))
        reply = self._next(scope["path"])
        if reply.delay:
            await asyncio.sleep(reply.delay)
        out_headers = [(k.encode(), v.encode()) for k, v in reply.headers.items()
                       if k not in _HOP_HEADERS]
        await send({"type": "http.response.start", "status": reply.status,
                    "headers": out_headers})
        for i, chunk in enumerate(reply.chunks):
            if reply.drop_after is not None and i >= reply.drop_after:
                raise _Dropped("connection dropped on purpose")
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if reply.chunk_delay:
                await asyncio.sleep(reply.chunk_delay)
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

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
