"""Streams: ``Stream`` (sync) and ``AsyncStream``, and ``StreamRun``, the I/O-free part
both share (decoding, collecting, deadlines, typed failures carrying the partial output).

Until its first content event a stream is retried and may fall back to the next model;
events before it are held back so that nothing repeats. After it, a broken stream raises
with what arrived.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from . import telemetry
from ._lazy import httpx
from .errors import FluentAIError, StreamInterruptedError
from .events import PREAMBLE, Collector, ErrorEvent, StreamEvent
from .provider import Provider
from .request import ChatRequest
from .retry import RetryPolicy
from .timeouts import Deadline, alarms, interrupter, within
from .types import ChatResponse

if TYPE_CHECKING:
    from .async_client import AsyncClient
    from .client import Client
    from .engine import Engine


class Stream:
    """A synchronous stream of events. Iterate it; ``response`` holds the collected answer
    once it is consumed. Leaving early (break, ``close()``) closes the connection.

    Until its first content event a stream is retried and may fall back to the next model;
    events before it (ResponseStart, metadata) are held back so nothing repeats."""

    def __init__(self, client: Client, candidates: list[tuple[Provider, ChatRequest]],
                 retry: RetryPolicy | int | None, timeout: Any) -> None:
        self._args = (client, candidates, retry, timeout)
        self._outcome = _Outcome()
        self._iter: Iterator[StreamEvent] | None = None

    @property
    def response(self) -> ChatResponse | None:
        return self._outcome.response

    def __iter__(self) -> Iterator[StreamEvent]:
        # the generator must not reference the Stream: a loop left by ``break`` then frees
        # both at once and the connection closes now, not at the next garbage collection
        if self._iter is None:
            self._iter = _sync_events(*self._args, self._outcome)
        return self._iter

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._iter is not None:
            self._iter.close()  # type: ignore[attr-defined]

    def collect(self) -> ChatResponse:
        """Consume the rest of the stream and return the whole response."""
        for _ in self:
            pass
        assert self.response is not None
        return self.response

    def text(self) -> Iterator[str]:
        """Only the text, as it arrives."""
        for ev in self:
            text = getattr(ev, "text", None)
            if text is not None and type(ev).__name__ == "TextDelta":
                yield text



class _Outcome:
    """Where a stream's generator leaves the collected response."""

    __slots__ = ("response",)

    def __init__(self) -> None:
        self.response: ChatResponse | None = None


def _sync_start(client: Client, candidates: list[tuple[Provider, ChatRequest]],
                retry_: RetryPolicy | int | None, deadline: Deadline) -> StreamRun:
    """The first candidate that delivers content (with retries and fallbacks)."""
    core = client._core
    for i, (provider, request) in enumerate(candidates):
        op = telemetry.start(provider, request)

        def attempt(provider: Provider = provider, request: ChatRequest = request,
                    op: telemetry.Operation = op, i: int = i) -> StreamRun:
            response = client._attempt(provider, request, op, deadline, stream=True)
            run = StreamRun(core, provider, request, candidates[:i], op, deadline)
            run.response_ = response
            try:
                run.chunks = response.iter_bytes()
                _sync_until_content(run)
            except BaseException:
                response.close()
                raise
            return run
        try:
            return core.retrier(provider, op, retry_, deadline).call(attempt)
        except FluentAIError as exc:
            op.fail(core.scrub(provider, exc))
            if core.fall_through(exc, i == len(candidates) - 1, request.model):
                continue
            raise
    raise AssertionError("unreachable: the last candidate raises")


def _sync_until_content(run: StreamRun) -> None:
    watch = run.watch()
    try:
        for data in run.chunks:
            run.hold(data)
            if run.content or run.error:
                break
        else:
            run.hold_end()
    except httpx.TransportError as exc:
        raise run.core.transport_error(run.provider, exc, run.deadline,
                                       answered=True) from None
    finally:
        alarms.cancel(watch)
    run.started()


def _sync_events(client: Client, candidates: list[tuple[Provider, ChatRequest]],
                 retry_: RetryPolicy | int | None, timeout: Any, outcome: _Outcome
                 ) -> Iterator[StreamEvent]:
    run = _sync_start(client, candidates, retry_, client._core.deadline(timeout,
                                                                        stream=True))
    watch = None
    try:
        yield from run.held
        if run.error:
            raise run.error
        watch = run.watch()
        for data in run.chunks:
            yield from run.feed(data)
            if run.error:
                raise run.error
        yield from run.close()
        if run.error:
            raise run.error
    except httpx.TransportError as exc:
        error = run.broken(exc)
        run.abandon(error)
        raise error from None
    except StreamInterruptedError as exc:
        run.abandon(exc)
        raise run.claim(exc) from None
    except BaseException as exc:
        run.abandon(exc)
        raise
    finally:
        alarms.cancel(watch)
        run.response_.close()
    outcome.response = run.response()


class StreamRun:
    """The I/O-free part of one stream, shared by Stream and AsyncStream: decoding,
    collecting, deadlines, and turning any failure into a typed error carrying the partial
    output."""

    __slots__ = ("chunks", "collector", "content", "core", "deadline", "decoder", "error",
                 "held", "op", "provider", "request", "response_", "skipped")

    def __init__(self, core: Engine, provider: Provider, request: ChatRequest,
                 skipped: list[tuple[Provider, ChatRequest]], op: telemetry.Operation,
                 deadline: Deadline) -> None:
        self.core = core
        self.provider = provider
        self.request = request
        self.skipped = skipped
        self.op = op
        self.deadline = deadline
        self.content = False
        self.held: list[StreamEvent] = []
        self.collector = Collector(provider.name, request.model)
        self.error: FluentAIError | None = None
        self.response_: Any = None
        self.chunks: Any = None
        with op.step("fluentai.stream_decoder"):
            self.decoder: Any = core.stream_decoder(provider, request)

    def watch(self) -> list[Any] | None:
        """Sync only: interrupt a read still blocked when the next deadline passes."""
        when = self.deadline.next()
        return None if when is None else alarms.arm(when, interrupter(self.response_))

    def hold(self, data: bytes) -> None:
        """Before the first content: keep the events, note whether content arrived."""
        events = self._take(self.decoder.feed(data))
        self.held += events
        if not self.content:
            self.content = any(type(ev) not in PREAMBLE for ev in events)

    def hold_end(self) -> None:
        self.held += self._take(self.decoder.close())
        self.content = True

    def started(self) -> None:
        """Content arrived (or an error did, before anything reached the caller)."""
        if self.error is not None and not self.content:
            self.error.partial = None  # nothing was delivered: the error may be retried
            raise self.error
        self.deadline.got_first()
        self.response_.request.extensions["timeout"].update(self.deadline.extension(first=False))
        self.op.first_chunk()

    def feed(self, data: bytes) -> list[StreamEvent]:
        """The events to yield; a provider error among them stops there and is kept."""
        return self._take(self.decoder.feed(data))

    def close(self) -> list[StreamEvent]:
        return self._take(self.decoder.close())

    def _take(self, events: list[StreamEvent]) -> list[StreamEvent]:
        add = self.collector.add
        for ev in events:
            if type(ev) is ErrorEvent:
                self.error = self.core.scrub(self.provider, self.collector.interrupted(ev.error))
                return events[:events.index(ev)]
            add(ev)
        return events

    def broken(self, exc: BaseException) -> FluentAIError:
        phase = self.deadline.phase(exc)
        if phase is not None:
            return self.core.scrub(self.provider, self.deadline.error(
                phase, self.provider.base_url, self.provider.name,
                partial=self.collector.response()))
        err = StreamInterruptedError(
            f"the connection broke mid-stream ({type(exc).__name__}: {exc}); the partial "
            f"output is on .partial", provider=self.provider.name)
        return self.core.scrub(self.provider, self.collector.interrupted(err))

    def claim(self, exc: StreamInterruptedError) -> StreamInterruptedError:
        """A decoder raised (a corrupt frame): attach the partial output if it has none."""
        if exc.partial is None:
            self.collector.interrupted(exc)
        return exc

    def response(self) -> ChatResponse:
        result = self.collector.response()
        self.core.price(result)
        if self.skipped:
            result.provider_metadata["fallback"] = {
                "skipped": [f"{p.name}/{r.model}" for p, r in self.skipped]}
        self.op.end(result)
        return result

    def abandon(self, error: BaseException | None) -> None:
        """The stream ended without a full response: an error, or the caller left early."""
        if error is None or isinstance(error, GeneratorExit):
            self.op.end(self.collector.response())
        else:
            self.op.fail(self.core.scrub(self.provider, error))


class AsyncStream:
    """The asynchronous counterpart of Stream: ``async for ev in client.stream(...)``.
    Deadlines are exact here: every wait runs under ``asyncio.timeout``."""

    def __init__(self, client: AsyncClient, candidates: list[tuple[Provider, ChatRequest]],
                 retry: RetryPolicy | int | None, timeout: Any) -> None:
        self._args = (client, candidates, retry, timeout)
        self._outcome = _Outcome()
        self._iter: AsyncIterator[StreamEvent] | None = None

    @property
    def response(self) -> ChatResponse | None:
        return self._outcome.response

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        if self._iter is None:  # no reference back to the stream, as in Stream
            self._iter = _async_events(*self._args, self._outcome)
        return self._iter

    async def __aenter__(self) -> AsyncStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._iter is not None:
            await self._iter.aclose()  # type: ignore[attr-defined]

    async def collect(self) -> ChatResponse:
        async for _ in self:
            pass
        assert self.response is not None
        return self.response

    async def text(self) -> AsyncIterator[str]:
        async for ev in self:
            if type(ev).__name__ == "TextDelta":
                yield ev.text  # type: ignore[union-attr]



async def _async_start(client: AsyncClient, candidates: list[tuple[Provider, ChatRequest]],
                       retry_: RetryPolicy | int | None, deadline: Deadline) -> StreamRun:
    core = client._core
    for i, (provider, request) in enumerate(candidates):
        op = telemetry.start(provider, request)

        async def attempt(provider: Provider = provider, request: ChatRequest = request,
                          op: telemetry.Operation = op, i: int = i) -> StreamRun:
            response = await client._attempt(provider, request, op, deadline, stream=True)
            run = StreamRun(core, provider, request, candidates[:i], op, deadline)
            run.response_ = response
            try:
                run.chunks = response.aiter_bytes()
                await _async_until_content(run)
            except BaseException:
                await response.aclose()
                raise
            return run
        try:
            return await core.retrier(provider, op, retry_, deadline).acall(attempt)
        except FluentAIError as exc:
            op.fail(core.scrub(provider, exc))
            if core.fall_through(exc, i == len(candidates) - 1, request.model):
                continue
            raise
    raise AssertionError("unreachable: the last candidate raises")


async def _async_until_content(run: StreamRun) -> None:
    try:
        while True:
            data = await within(run.deadline, anext(run.chunks, None))
            if data is None:
                run.hold_end()
                break
            run.hold(data)
            if run.content or run.error:
                break
    except (httpx.TransportError, TimeoutError) as exc:
        raise run.core.transport_error(run.provider, exc, run.deadline,
                                       answered=True) from None
    run.started()


async def _async_events(client: AsyncClient, candidates: list[tuple[Provider, ChatRequest]],
                        retry_: RetryPolicy | int | None, timeout: Any, outcome: _Outcome
                        ) -> AsyncIterator[StreamEvent]:
    deadline = client._core.deadline(timeout, stream=True)
    run = await _async_start(client, candidates, retry_, deadline)
    try:
        for ev in run.held:
            yield ev
        if run.error:
            raise run.error
        if deadline.next() is None:  # the hot path: no clock to watch
            async for data in run.chunks:
                for ev in run.feed(data):
                    yield ev
                if run.error:
                    raise run.error
        else:
            while (data := await within(deadline, anext(run.chunks, None))) is not None:
                for ev in run.feed(data):
                    yield ev
                if run.error:
                    raise run.error
        for ev in run.close():
            yield ev
        if run.error:
            raise run.error
    except (httpx.TransportError, TimeoutError) as exc:
        error = run.broken(exc)
        run.abandon(error)
        raise error from None
    except StreamInterruptedError as exc:
        run.abandon(exc)
        raise run.claim(exc) from None
    except BaseException as exc:
        run.abandon(exc)
        raise
    finally:
        await run.response_.aclose()
    outcome.response = run.response()
