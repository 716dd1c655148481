"""A raw TCP server on 127.0.0.1 for the faults an HTTP server will not commit on purpose:
a connection reset (RST) at any byte, a body dripped a few bytes at a time, a connection
closed before or in the middle of an answer.

Each connection reads one HTTP/1.1 request, then plays its script: ``bytes`` are written,
a ``float`` pauses that many seconds, ``RESET`` aborts the connection with an RST, and
``CLOSE`` closes it (FIN). Connection *i* plays script *i*; the last script repeats.

    with RawServer([head(200, {"content-type": "text/event-stream"}), chunk(frame), RESET]):
        ...
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from collections.abc import Iterable, Sequence
from typing import Any

RESET = "reset"
CLOSE = "close"
Step = bytes | float | str


def head(status: int = 200, headers: dict[str, str] | None = None, *,
         chunked: bool = True) -> bytes:
    """A response's status line and headers (chunked transfer coding unless told not)."""
    lines = [f"HTTP/1.1 {status} {'OK' if status < 400 else 'Error'}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if chunked:
        lines.append("transfer-encoding: chunked")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def chunk(data: bytes) -> bytes:
    """One chunk of the chunked transfer coding; ``chunk(b"")`` ends the body."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def drip(data: bytes, size: int, pause: float) -> list[Step]:
    """``data`` in pieces of ``size`` bytes with ``pause`` seconds between them."""
    out: list[Step] = []
    for i in range(0, len(data), size):
        out += [data[i:i + size], pause]
    return out


class RawServer:
    """``with RawServer(script, ...) as server: ... server.url``; ``server.requests`` keeps
    each request's raw bytes."""

    def __init__(self, *scripts: Sequence[Step]) -> None:
        if not scripts:
            raise ValueError("give at least one script")
        self._scripts = [list(s) for s in scripts]
        self.requests: list[bytes] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
                      ) -> None:
        index = len(self.requests)
        self.requests.append(b"")
        try:
            self.requests[index] = await _read_request(reader)
            await self._play(self._scripts[min(index, len(self._scripts) - 1)], writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client left first: nothing more to play
        finally:
            if not writer.transport.is_closing():
                writer.transport.abort()

    @staticmethod
    async def _play(script: Iterable[Step], writer: asyncio.StreamWriter) -> None:
        for step in script:
            if isinstance(step, bytes):
                writer.write(step)
                await writer.drain()
            elif isinstance(step, float | int):
                await asyncio.sleep(step)
            elif step == RESET:
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            elif step == CLOSE:
                break
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()

    def start(self) -> RawServer:
        ready = threading.Event()

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            async with self._server:
                with contextlib.suppress(asyncio.CancelledError):
                    await self._server.serve_forever()

        self._thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("raw server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
            if self._thread is not None:
                self._thread.join(5)

    def __enter__(self) -> RawServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    header = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in header.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return header + (await reader.readexactly(length) if length else b"")
