"""The fault matrix runs against real servers on 127.0.0.1, nothing patched: uvicorn
(HTTP/1.1), hypercorn over TLS (HTTP/2, and HTTP/3 over QUIC on the same port), and a raw
asyncio server (``fluentai.testing.RawServer``) for resets and drips. The provider is the
openai plugin replaying its recorded traffic.

Each test gets a ``Net``: one transport (``http1``, ``http2``, ``http3``) and one client
flavour (``sync``, ``async``), so a fault is written once and proven for every pair. The
default run covers each transport and each client; ``FLUENTAI_FAULTS_LOAD=1`` (``nox -s
faults``) runs every pair, the load and long runs of test_load.py, and longer repeats."""

from __future__ import annotations

import abc
import asyncio
import contextlib
import functools
import os
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import fluentai
from fluentai.testing import RawServer, ReplayServer, Reply, load_cassette, make_tls, recordings
from fluentai.testing.faults import CLOSE, RESET, chunk
from fluentai.testing.faults import head as raw_head
from fluentai.testing.tls import TLS
from fluentai.transport import TransportOptions

pytest.importorskip("fluentai_openai")

FIX = recordings(Path(__file__).parents[1]) / "openai"
STREAM = load_cassette(FIX / "test_dbos_model_stream_direct.yaml")[0]
CHAT = load_cassette(FIX / "test_max_completion_tokens[gpt-4o-mini].yaml")[0]
TEXT = "The capital of Mexico is Mexico City."
KEY = "sk-faults-0123456789"
ERROR = {"error": {"message": "The server had an error", "type": "server_error"}}
HEAD = "head"  # a fault-script step: a stream's status and headers


class Client:
    """A sync or an async fluentai client behind one blocking face (the async one runs on
    a private event loop), so each fault test is written once for both."""

    def __init__(self, flavour: str, **kwargs: Any) -> None:
        self.flavour = flavour
        if flavour == "sync":
            self.sync: fluentai.Client = fluentai.Client(**kwargs)
        else:
            self.runner = asyncio.Runner()
            self.aio: fluentai.AsyncClient = fluentai.AsyncClient(**kwargs)

    def chat(self, prompt: Any = "hello", model: Any = "openai/gpt-4o-mini",
             **kw: Any) -> fluentai.ChatResponse:
        if self.flavour == "sync":
            return self.sync.chat(model, prompt, **kw)
        return self.runner.run(self.aio.chat(model, prompt, **kw))

    def stream(self, prompt: Any = "hello", model: Any = "openai/gpt-4o", **kw: Any
               ) -> fluentai.ChatResponse:
        if self.flavour == "sync":
            return self.sync.stream(model, prompt, **kw).collect()
        return self.runner.run(self.aio.stream(model, prompt, **kw).collect())

    def set_api_key(self, key: str) -> None:
        (self.sync if self.flavour == "sync" else self.aio).set_api_key("openai", key)

    @property
    def core(self) -> Any:
        return (self.sync if self.flavour == "sync" else self.aio)._core

    def close(self) -> None:
        if self.flavour == "sync":
            self.sync.close()
        else:
            self.runner.run(self.aio.aclose())
            self.runner.close()


class Net:
    """One transport and one client flavour: servers and clients that speak it, and the
    recorded replies the tests serve (test modules cannot import the conftest)."""

    HEAD = HEAD
    RESET = RESET
    CLOSE = CLOSE
    TEXT = TEXT
    KEY = KEY
    ERROR = ERROR
    STREAM = STREAM
    CHAT = CHAT

    @staticmethod
    def stream_reply(**kw: Any) -> Reply:
        return Reply.from_interaction(STREAM, path=None, **kw)

    @staticmethod
    def chat_reply(**kw: Any) -> Reply:
        return Reply.from_interaction(CHAT, path=None, **kw)

    @staticmethod
    def error(status: int = 500, **kw: Any) -> Reply:
        return Reply(status, ERROR, **kw)

    @staticmethod
    def content_first(**kw: Any) -> Reply:
        """The recorded stream with its first words in the first write, so that a pause
        (``chunk_delay``) falls after output reached the caller."""
        frames = Reply.from_interaction(STREAM).chunks
        return Reply(200, headers=STREAM.response_headers,
                     chunks=[b"".join(frames[:3]), *frames[3:]], **kw)

    def __init__(self, transport: str, flavour: str, tls: TLS) -> None:
        self.transport = transport
        self.flavour = flavour
        self.tls = tls
        self._clients: list[Client] = []

    def __repr__(self) -> str:
        return f"{self.transport}-{self.flavour}"

    def faulty(self, *scripts: list[Any]) -> Any:
        """A server that plays ``scripts`` (one per request) over this transport: HEAD, one
        frame per ``bytes``, pauses, RESET (an RST, RST_STREAM or RESET_STREAM), CLOSE."""
        if self.transport == "http2":
            return self._closing(H2Faults(self.tls, *scripts))
        if self.transport == "http3":
            return self._closing(H3Faults(self.tls, *scripts))
        raw = [[raw_head(200, {"content-type": "text/event-stream"}) if step == HEAD else
                chunk(step) if isinstance(step, bytes) else step for step in script]
               + ([] if script and script[-1] in (RESET, CLOSE) else [chunk(b"")])
               for script in scripts]
        return self._closing(RawServer(*raw))

    @contextlib.contextmanager
    def _closing(self, server: Any) -> Iterator[Any]:
        """The server, with this Net's clients closed before it stops (a kept-alive
        connection would hold its shutdown)."""
        with server:
            try:
                yield server
            finally:
                self.close()

    def frames(self) -> list[bytes]:
        """The recorded stream's SSE events, one per frame as the provider wrote them."""
        return Reply.from_interaction(STREAM).chunks

    def server(self, *replies: Reply) -> Any:
        """A ReplayServer speaking this transport (a context manager, as ReplayServer is)."""
        if self.transport == "http1":
            return self._closing(ReplayServer(list(replies)))
        return self._closing(ReplayServer(list(replies), tls=self.tls,
                                          http3=self.transport == "http3"))

    def settings(self, server: Any, key: str = KEY) -> dict[str, Any]:
        transport = TransportOptions(name=self.transport, verify=self.tls.ca_file) \
            if self.transport != "http1" else "http1"
        return {"openai": {"api_key": key, "base_url": server.url + "/v1",
                           "transport": transport}}

    def client(self, server: Any, **kw: Any) -> Client:
        kw.setdefault("retry", 0)
        kw.setdefault("circuit_breaker", False)
        made = Client(self.flavour, providers=self.settings(server), **kw)
        self._clients.append(made)
        return made

    def close(self) -> None:
        made, self._clients = self._clients, []
        for client in made:
            client.close()


class _Faulty(abc.ABC):
    """Shared by the HTTP/2 and HTTP/3 fault servers: a loop in a thread, one script per
    request (the last repeats), every request counted. Steps as in RawServer, plus HEAD:
    ``bytes`` is one DATA frame, a ``float`` a pause, RESET resets the stream, CLOSE closes
    the whole connection; a script that runs out ends its stream cleanly."""

    def __init__(self, tls: TLS, *scripts: list[Any]) -> None:
        self.tls = tls
        self.scripts = scripts
        self.requests: list[int] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def script(self) -> list[Any]:
        self.requests.append(len(self.requests))
        return self.scripts[min(len(self.requests) - 1, len(self.scripts) - 1)]

    def __enter__(self) -> Any:
        ready = threading.Event()

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stopped = asyncio.Event()
            closer = await self.listen()
            ready.set()
            await self._stopped.wait()
            closer()

        self._thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fault server did not start")
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._loop is not None and self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        if self._thread is not None:
            self._thread.join(5)

    @abc.abstractmethod
    async def listen(self) -> Callable[[], None]:
        """Start listening (setting ``port``); returns what stops it."""

    @staticmethod
    def head() -> list[tuple[bytes, bytes]]:
        return [(b":status", b"200"), (b"content-type", b"text/event-stream")]


class H2Faults(_Faulty):
    """HTTP/2 over TLS with the h2 state machine: RESET is RST_STREAM(CANCEL), CLOSE is
    GOAWAY and the TCP connection closed."""

    async def listen(self) -> Callable[[], None]:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.tls.cert_file, self.tls.key_file)
        context.set_alpn_protocols(["h2"])
        server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=context)
        self.port = server.sockets[0].getsockname()[1]
        return server.close

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
                     ) -> None:
        import h2.config
        import h2.connection
        import h2.events

        conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
        conn.initiate_connection()
        writer.write(conn.data_to_send())
        tasks = set()
        while data := await reader.read(65536):
            for event in conn.receive_data(data):
                if isinstance(event, h2.events.DataReceived):
                    conn.acknowledge_received_data(event.flow_controlled_length,
                                                   event.stream_id)
                if isinstance(event, h2.events.StreamEnded):
                    task = asyncio.ensure_future(self._play(conn, writer, event.stream_id))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
            writer.write(conn.data_to_send())
        writer.close()

    async def _play(self, conn: Any, writer: asyncio.StreamWriter, stream_id: int) -> None:
        import h2.errors

        with contextlib.suppress(Exception):  # the client may have reset or left first
            for step in self.script():
                if step == HEAD:
                    conn.send_headers(stream_id, self.head())
                elif isinstance(step, bytes):
                    conn.send_data(stream_id, step)
                elif isinstance(step, float | int):
                    await asyncio.sleep(step)
                elif step == RESET:
                    conn.reset_stream(stream_id, h2.errors.ErrorCodes.CANCEL)
                    writer.write(conn.data_to_send())
                    return
                elif step == CLOSE:
                    conn.close_connection()
                    writer.write(conn.data_to_send())
                    writer.close()
                    return
                writer.write(conn.data_to_send())
            conn.end_stream(stream_id)
            writer.write(conn.data_to_send())


class H3Faults(_Faulty):
    """HTTP/3 over QUIC with aioquic: RESET is RESET_STREAM (H3_REQUEST_CANCELLED), CLOSE
    closes the QUIC connection."""

    async def listen(self) -> Callable[[], None]:
        from aioquic.asyncio import serve
        from aioquic.h3.connection import H3_ALPN
        from aioquic.quic.configuration import QuicConfiguration

        config = QuicConfiguration(is_client=False, alpn_protocols=H3_ALPN)
        config.load_cert_chain(self.tls.cert_file, self.tls.key_file)
        protocol = _h3_protocol()
        server = await serve("127.0.0.1", 0, configuration=config,
                             create_protocol=lambda *a, **kw: protocol(self, *a, **kw))
        self.port = server._transport.get_extra_info("sockname")[1]
        return server.close


@functools.cache
def _h3_protocol() -> type:
    from aioquic.asyncio.protocol import QuicConnectionProtocol

    class Protocol(QuicConnectionProtocol):
        def __init__(self, faults: H3Faults, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.faults = faults
            self.h3: Any = None
            self.playing: set[asyncio.Future[None]] = set()

        def quic_event_received(self, event: Any) -> None:
            from aioquic.h3.connection import H3Connection
            from aioquic.h3.events import DataReceived, HeadersReceived
            from aioquic.quic.events import ProtocolNegotiated

            if isinstance(event, ProtocolNegotiated):
                self.h3 = H3Connection(self._quic)
            if self.h3 is None:
                return
            for h3_event in self.h3.handle_event(event):
                if isinstance(h3_event, HeadersReceived | DataReceived) and \
                        h3_event.stream_ended:
                    task = asyncio.ensure_future(self.play(h3_event.stream_id))
                    self.playing.add(task)
                    task.add_done_callback(self.playing.discard)

        async def play(self, stream_id: int) -> None:
            from aioquic.h3.connection import ErrorCode

            with contextlib.suppress(Exception):  # the client may have left first
                for step in self.faults.script():
                    if step == HEAD:
                        self.h3.send_headers(stream_id, self.faults.head())
                    elif isinstance(step, bytes):
                        self.h3.send_data(stream_id, step, end_stream=False)
                    elif isinstance(step, float | int):
                        await asyncio.sleep(step)
                    elif step == RESET:
                        self._quic.reset_stream(stream_id, ErrorCode.H3_REQUEST_CANCELLED)
                        self.transmit()
                        return
                    elif step == CLOSE:
                        self._quic.close()
                        self.transmit()
                        return
                    self.transmit()
                self.h3.send_data(stream_id, b"", end_stream=True)
                self.transmit()

    return Protocol


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLS:
    return make_tls(Path(tmp_path_factory.mktemp("tls")))


def _net(request: pytest.FixtureRequest, tls: TLS) -> Iterator[Net]:
    transport, flavour = request.param
    if transport == "http2":
        pytest.importorskip("h2")
    if transport == "http3":
        pytest.importorskip("fluentai_http3")
    made = Net(transport, flavour, tls)
    try:
        yield made
    finally:
        made.close()


LOAD = os.environ.get("FLUENTAI_FAULTS_LOAD") == "1"  # nox -s faults: the whole matrix
PAIRS = [(t, f) for t in ("http1", "http2", "http3") for f in ("sync", "async")] if LOAD else \
    [("http1", "sync"), ("http1", "async"), ("http2", "sync"), ("http3", "async")]


@pytest.fixture(params=PAIRS, ids=[f"{t}-{f}" for t, f in PAIRS])
def net(request: pytest.FixtureRequest, tls: TLS) -> Iterator[Net]:
    """Every transport with both clients (the default run: each transport and each client
    at least once)."""
    yield from _net(request, tls)


@pytest.fixture(params=[("http1", "sync"), ("http1", "async")], ids=["sync", "async"])
def flavour(request: pytest.FixtureRequest, tls: TLS) -> Iterator[Net]:
    """HTTP/1.1 only, both clients: for faults that do not depend on the transport."""
    yield from _net(request, tls)
