"""The public clients. ``Client`` is synchronous, ``AsyncClient`` asynchronous; both share
everything but the I/O (``_Core``), so they behave the same call for call.

Each provider gets one pooled httpx client, created on first use; requests go through the
hooks (encode -> auth -> transport -> decode / stream decoder), so plugins can change any
seam of any provider.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import httpx
import msgspec

from . import catalog, retry, telemetry
from .breaker import CircuitBreaker
from .errors import (
    APIConnectionError,
    APIStatusError,
    CircuitOpenError,
    ConfigurationError,
    FluentAIError,
    NotFoundError,
    StreamInterruptedError,
)
from .events import PREAMBLE, Collector, ErrorEvent, StreamEvent
from .plugins import Registry, default_registry
from .provider import Provider
from .request import (
    AnyRequest,
    ChatRequest,
    EmbedRequest,
    InputType,
    ListModelsRequest,
    Reasoning,
    RerankRequest,
    ResponseFormat,
    TranscribeRequest,
)
from .retry import RetryPolicy, policy_from
from .timeouts import Deadline, Timeout, alarms, interrupter, timeout_from
from .tools import as_tool
from .transport import TransportOptions, missing, options_from
from .types import (
    ChatResponse,
    Embedding,
    EmbeddingResponse,
    Message,
    ModelInfo,
    RerankResponse,
    Transcription,
    Usage,
)

T = TypeVar("T")
log = logging.getLogger("fluentai")
MAX_MODEL_PAGES = 100  # a listing that pages further is a server bug, not a catalog


class CheckResult(msgspec.Struct, kw_only=True):
    """The outcome of ``client.check(provider)``: ``ok``, or what is wrong in ``problem``."""

    provider: str
    ok: bool
    problem: str | None = None
    models: int | None = None
    latency_ms: float | None = None


def _messages(prompt: str | Message | Sequence[Message | Mapping[str, Any]],
              system: str | None) -> list[Message]:
    if isinstance(prompt, str):
        messages = [Message("user", prompt)]
    elif isinstance(prompt, Message):
        messages = [prompt]
    else:
        messages = [m if isinstance(m, Message) else msgspec.convert(m, Message)
                    for m in prompt]
    if system is not None:
        messages.insert(0, Message("system", system))
    return messages


def _response_format(value: Any) -> ResponseFormat | None:
    """Accept "json", a JSON schema dict, a msgspec Struct or a pydantic model class."""
    if value is None or isinstance(value, ResponseFormat):
        return value
    if value == "json":
        return ResponseFormat()
    if isinstance(value, dict):
        return ResponseFormat(value)
    if hasattr(value, "model_json_schema"):
        return ResponseFormat(value.model_json_schema(), name=value.__name__)
    schema = msgspec.json.schema(value)
    if "$ref" in schema:  # inline the top-level struct
        name = schema["$ref"].rsplit("/", 1)[-1]
        defs = schema.pop("$defs")
        schema = {**defs.pop(name), **({"$defs": defs} if defs else {})}
    return ResponseFormat(schema, name=getattr(value, "__name__", "response"))


def _reasoning(value: Any) -> Reasoning | None:
    if value is None or isinstance(value, Reasoning):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Reasoning(budget_tokens=value)
    return Reasoning(effort=value)


class _Core:
    """State and logic shared by Client and AsyncClient (no I/O here)."""

    def __init__(self, *, providers: Mapping[str, Mapping[str, Any]] | None = None,
                 plugins: Iterable[Any] = (),
                 timeout: Timeout | httpx.Timeout | float | None = None,
                 transport: str | TransportOptions | None = None,
                 env: Mapping[str, str] | None = None,
                 registry: Registry | None = None, retry: RetryPolicy | int | None = None,
                 circuit_breaker: Mapping[str, Any] | bool = True) -> None:
        plugins = list(plugins)
        self._registry = registry or (Registry(plugins) if plugins else default_registry())
        self._settings = {k: dict(v) for k, v in (providers or {}).items()}
        self._env = env
        self.timeout = timeout_from(timeout)
        self.transport = options_from(transport, env=env)
        self._providers: dict[str, Provider] = {}
        self._lock = threading.Lock()
        self._routes: dict[str, tuple[Provider, str]] = {}
        self.retry = policy_from(retry, RetryPolicy())
        self._breaker_settings: dict[str, Any] | None = dict(circuit_breaker) \
            if isinstance(circuit_breaker, Mapping) else {} if circuit_breaker else None
        self._breakers: dict[str, CircuitBreaker] = {}

    # --- resilience -----------------------------------------------------------------

    def breaker(self, provider: Provider) -> CircuitBreaker | None:
        if self._breaker_settings is None:
            return None
        found = self._breakers.get(provider.name)
        if found is None:
            found = self._breakers.setdefault(
                provider.name, CircuitBreaker(provider.name, **self._breaker_settings))
        return found

    def policy(self, retry: RetryPolicy | int | None, deadline: Deadline | None = None
               ) -> RetryPolicy:
        """The call's retry policy; retries never outlast its total timeout."""
        policy = policy_from(retry, self.retry)
        left = deadline.left() if deadline is not None else None
        if left is not None and left < policy.max_time:
            policy = msgspec.structs.replace(policy, max_time=max(left, 0.0))
        return policy

    def deadline(self, timeout: Any, *, stream: bool) -> Deadline:
        return Deadline(timeout_from(timeout, self.timeout), stream=stream)

    @staticmethod
    def on_retry(provider: Provider, op: telemetry.Operation) -> Any:
        def report(attempt: int, error: BaseException, wait: float) -> None:
            log.warning("fluentai: %s attempt %d failed (%s); retrying in %.2fs",
                        provider.name, attempt, type(error).__name__, wait)
            op.retry(attempt, error, wait)
        return report

    def candidates(self, model: str | Sequence[str]) -> list[str]:
        """One model, or several to fall back through in order."""
        models = [model] if isinstance(model, str) else list(model)
        if not models:
            raise ConfigurationError("name at least one model")
        return models

    @staticmethod
    def fall_through(error: FluentAIError, last: bool, model: str) -> bool:
        """Whether a fallback list should move past ``error`` to its next model."""
        moving_on = not last and (error.retryable or isinstance(error, CircuitOpenError))
        if moving_on:
            log.warning("fluentai: %s failed (%s); falling back to the next model", model,
                        type(error).__name__)
        return moving_on

    # --- providers ------------------------------------------------------------------

    @property
    def registry(self) -> Registry:
        return self._registry

    def provider(self, name: str) -> Provider:
        """The configured Provider instance for ``name`` (created on first use)."""
        found = self._providers.get(name)
        if found is not None:
            return found
        canonical = self._registry.canonical(name)
        with self._lock:
            if canonical not in self._providers:
                cls = self._registry.provider_class(canonical)
                settings = self._settings.get(canonical) or self._settings.get(name) or {}
                made = cls(env=self._env, **settings)
                made.transport = options_from(made.transport, self.transport)
                self._providers[canonical] = made
            instance = self._providers[canonical]
            self._providers[name] = instance
        return instance

    def set_api_key(self, provider: str, api_key: str) -> None:
        """Rotate a provider's key on a live client; requests in flight keep the old one."""
        self.provider(provider).set_api_key(api_key)

    def route(self, model: str) -> tuple[Provider, str]:
        """Split ``provider/model`` into the Provider and its own model id."""
        found = self._routes.get(model)
        if found is not None:
            return found
        name, sep, model_id = model.partition("/")
        if not sep:
            owner = catalog.find_provider(model)
            if owner is None:
                raise ConfigurationError(
                    f"Model {model!r} names no provider: write it as 'provider/model', "
                    f"e.g. 'openai/{model}' (see `fluentai models`).")
            name, model_id = owner, model
        provider = self.provider(name)  # the model id goes out as given: providers take aliases
        self._routes[model] = (provider, model_id)
        return provider, model_id

    # --- building requests ----------------------------------------------------------

    def chat_request(self, model_id: str, prompt: Any, *, stream: bool, system: str | None = None,
                     tools: Sequence[Any] | None = None, tool_choice: str | None = None,
                     parallel_tool_calls: bool | None = None,
                     temperature: float | None = None, top_p: float | None = None,
                     max_tokens: int | None = None, stop: str | list[str] | None = None,
                     seed: int | None = None, response_format: Any = None,
                     reasoning: Any = None, partial_tool_arguments: bool = False,
                     raw_events: bool = False, provider_options: Mapping[str, Any] | None = None,
                     headers: Mapping[str, str] | None = None) -> ChatRequest:
        return ChatRequest(
            model=model_id, messages=_messages(prompt, system),
            tools=[as_tool(t) for t in tools or ()], tool_choice=tool_choice,
            parallel_tool_calls=parallel_tool_calls, temperature=temperature, top_p=top_p,
            max_tokens=max_tokens, stop=[stop] if isinstance(stop, str) else stop, seed=seed,
            response_format=_response_format(response_format), reasoning=_reasoning(reasoning),
            stream=stream, partial_tool_arguments=partial_tool_arguments,
            raw_events=raw_events, provider_options=dict(provider_options or {}),
            headers=dict(headers or {}))

    def embed_request(self, model_id: str, inputs: str | Sequence[str], *,
                      input_type: InputType | None = None, dimensions: int | None = None,
                      dtype: Any = None, provider_options: Mapping[str, Any] | None = None,
                      provider: str | None = None) -> EmbedRequest:
        texts = [inputs] if isinstance(inputs, str) else list(inputs)
        if not texts:
            raise ConfigurationError("embed() needs at least one input text")
        if any(not isinstance(t, str) for t in texts):
            raise ConfigurationError("embed() takes strings; convert other inputs to text first")
        if dimensions is not None and provider is not None:
            problem = catalog.check_dimensions(provider, model_id, dimensions)
            if problem:
                raise ConfigurationError(f"{problem} (see `fluentai models {provider}`)")
        return EmbedRequest(model=model_id, inputs=texts, input_type=input_type,
                            dimensions=dimensions, dtype=dtype,
                            provider_options=dict(provider_options or {}))

    def rerank_request(self, model_id: str, query: str, documents: Sequence[Any], *,
                       top_n: int | None = None,
                       provider_options: Mapping[str, Any] | None = None) -> RerankRequest:
        texts = []
        for i, doc in enumerate(documents):
            text = doc.get("text") if isinstance(doc, Mapping) else doc
            if not isinstance(text, str):
                raise ConfigurationError(f"rerank document {i} has no text (give a string or "
                                         f"a mapping with a 'text' field)")
            texts.append(text)
        if not texts:
            raise ConfigurationError("rerank() needs at least one document")
        return RerankRequest(model=model_id, query=query, documents=texts, top_n=top_n,
                             provider_options=dict(provider_options or {}))

    # --- hooks ----------------------------------------------------------------------

    def encode(self, provider: Provider, request: AnyRequest) -> tuple[httpx.Request, httpx.Auth]:
        hook = self._registry.hook
        http_request = hook.fluentai_encode(provider=provider, request=request)
        return http_request, hook.fluentai_auth(provider=provider)

    def decode(self, provider: Provider, request: AnyRequest, response: httpx.Response) -> Any:
        result = self._registry.hook.fluentai_decode(provider=provider, request=request,
                                                     response=response)
        if isinstance(result, (ChatResponse, EmbeddingResponse)):
            self.price(result)
        return result

    def stream_decoder(self, provider: Provider, request: ChatRequest) -> Any:
        return self._registry.hook.fluentai_stream_decoder(provider=provider, request=request)

    def price(self, result: ChatResponse | EmbeddingResponse) -> None:
        if result.cost is None:
            result.cost = catalog.cost(result.provider, result.model, result.usage)

    def status_error(self, provider: Provider, request: AnyRequest,
                     response: httpx.Response) -> APIStatusError:
        error: APIStatusError = self._registry.hook.fluentai_map_error(
            provider=provider, response=response)
        model = getattr(request, "model", None)
        if isinstance(error, NotFoundError) and model:
            close = catalog.suggest(provider.name, model)
            if close:
                error.message += f" Did you mean {', '.join(repr(c) for c in close)}?"
        return self.scrub(provider, error)

    def transport_error(self, provider: Provider, exc: BaseException, deadline: Deadline,
                        *, answered: bool = False) -> FluentAIError:
        """A failure before any output reached the caller, typed (retryable but for an
        exhausted total budget). ``answered``: the server had sent its headers."""
        phase = deadline.expired()
        if phase is None and isinstance(exc, httpx.TimeoutException):
            phase = type(exc).__name__.removesuffix("Timeout").lower()
        if phase is not None:
            err: FluentAIError = deadline.error(phase, provider.base_url, provider.name)
        elif answered:
            err = APIConnectionError(
                f"the connection to {provider.base_url} broke before the first token "
                f"({type(exc).__name__}: {exc})", provider=provider.name)
        else:
            err = APIConnectionError(
                f"could not reach {provider.base_url}: {type(exc).__name__}: {exc}"
                f"{provider.connection_hint}", provider=provider.name)
        return self.scrub(provider, err)

    def scrub(self, provider: Provider, error: FluentAIError) -> Any:
        """Remove any secret of the provider that a server echoed into an error."""
        for secret in provider.secrets():
            if len(secret) >= 8 and secret in error.message:  # shorter is no real key
                error.message = error.message.replace(secret, "**********")
        error.args = (error.message,)
        return error

    def http_client_args(self, provider: Provider, is_async: bool) -> dict[str, Any]:
        options: TransportOptions = provider.transport
        transport = self._registry.hook.fluentai_transport(provider=provider, is_async=is_async,
                                                           options=options)
        if transport is None:
            raise missing(options.name)
        return {"transport": transport}

    def catalog_models(self, provider: Provider) -> list[ModelInfo]:
        found = {m.id: m for m in catalog.models(provider.name)}
        for extra in self._registry.hook.fluentai_models(provider=provider):
            for info in extra or ():
                found.setdefault(info.id, msgspec.structs.replace(info, provider=provider.name))
        return list(found.values())

    def merge_models(self, provider: Provider, live: list[ModelInfo] | None) -> list[ModelInfo]:
        known = self.catalog_models(provider)
        if live is None:
            return known
        live_ids = {m.id for m in live}
        merged = [msgspec.structs.replace(m, live=m.id in live_ids) for m in known]
        known_ids = {m.id for m in known}
        merged.extend(m for m in live if m.id not in known_ids)
        return merged

    @staticmethod
    def precheck(provider: Provider) -> CheckResult | None:
        """The check result when no request is needed to decide it."""
        missing = provider.missing_configuration()
        if missing:
            return CheckResult(provider=provider.name, ok=False,
                               problem=f"not configured: {missing}")
        if not provider.lists_models:
            return CheckResult(provider=provider.name, ok=True,
                               problem="configured; this provider has no model listing to "
                                       "verify the key with")
        return None

    @staticmethod
    def checked(provider: Provider, listed: list[ModelInfo], start: float) -> CheckResult:
        return CheckResult(provider=provider.name, ok=True, models=len(listed),
                           latency_ms=round((time.perf_counter() - start) * 1000, 1))

    def provider_names(self, provider: str | None) -> list[str]:
        self._registry.load()
        return [self._registry.canonical(provider)] if provider else \
            sorted(self._registry.providers)


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
                retry_: RetryPolicy | int | None, deadline: Deadline) -> _StreamRun:
    """The first candidate that delivers content (with retries and fallbacks)."""
    core = client._core
    for i, (provider, request) in enumerate(candidates):
        op = telemetry.start(provider, request)

        def attempt(provider: Provider = provider, request: ChatRequest = request,
                    op: telemetry.Operation = op, i: int = i) -> _StreamRun:
            response = client._attempt(provider, request, op, deadline, stream=True)
            run = _StreamRun(core, provider, request, candidates[:i], op, deadline)
            run.response_ = response
            try:
                run.chunks = response.iter_bytes()
                _sync_until_content(run)
            except BaseException:
                response.close()
                raise
            return run
        try:
            return retry.call(core.policy(retry_, deadline), attempt,
                              core.on_retry(provider, op))
        except FluentAIError as exc:
            op.fail(exc)
            if core.fall_through(exc, i == len(candidates) - 1, request.model):
                continue
            raise
    raise AssertionError("unreachable: the last candidate raises")


def _sync_until_content(run: _StreamRun) -> None:
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


class _StreamRun:
    """The I/O-free part of one stream, shared by Stream and AsyncStream: decoding,
    collecting, deadlines, and turning any failure into a typed error carrying the partial
    output."""

    __slots__ = ("chunks", "collector", "content", "core", "deadline", "decoder", "error",
                 "held", "op", "provider", "request", "response_", "skipped")

    def __init__(self, core: _Core, provider: Provider, request: ChatRequest,
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
        phase = self.deadline.expired()
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
            self.op.fail(error)


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
                       retry_: RetryPolicy | int | None, deadline: Deadline) -> _StreamRun:
    core = client._core
    for i, (provider, request) in enumerate(candidates):
        op = telemetry.start(provider, request)

        async def attempt(provider: Provider = provider, request: ChatRequest = request,
                          op: telemetry.Operation = op, i: int = i) -> _StreamRun:
            response = await client._attempt(provider, request, op, deadline, stream=True)
            run = _StreamRun(core, provider, request, candidates[:i], op, deadline)
            run.response_ = response
            try:
                run.chunks = response.aiter_bytes()
                await _async_until_content(run)
            except BaseException:
                await response.aclose()
                raise
            return run
        try:
            return await retry.acall(core.policy(retry_, deadline), attempt,
                                     core.on_retry(provider, op))
        except FluentAIError as exc:
            op.fail(exc)
            if core.fall_through(exc, i == len(candidates) - 1, request.model):
                continue
            raise
    raise AssertionError("unreachable: the last candidate raises")


async def _async_until_content(run: _StreamRun) -> None:
    try:
        while True:
            data = await _within(run.deadline, anext(run.chunks, None))
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
            while (data := await _within(deadline, anext(run.chunks, None))) is not None:
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


def _read(response: httpx.Response, deadline: Deadline) -> None:
    """Read a whole body, interrupted by the watchdog if the total budget runs out."""
    try:
        if deadline.total_at is None:
            response.read()
            return
        watch = alarms.arm(deadline.total_at, interrupter(response))
        try:
            response.read()
        finally:
            alarms.cancel(watch)
    except BaseException:
        response.close()
        raise


async def _aread(response: httpx.Response) -> None:
    try:
        await response.aread()
    except BaseException:
        await response.aclose()
        raise


async def _within(deadline: Deadline, awaitable: Awaitable[T]) -> T:
    """Await under the call's next deadline (asyncio.timeout), if it has one."""
    when = deadline.next()
    if when is None:
        return await awaitable
    import asyncio

    loop = asyncio.get_running_loop()
    async with asyncio.timeout_at(loop.time() + (when - time.monotonic())):
        return await awaitable


class _Facade:
    """Methods identical on both clients."""

    _core: _Core

    def provider(self, name: str) -> Provider:
        return self._core.provider(name)

    def set_api_key(self, provider: str, api_key: str) -> None:
        self._core.set_api_key(provider, api_key)

    def model(self, model: str) -> Any:
        """A fluent, immutable builder bound to ``model``: ``client.model(m).system(..)``."""
        from .builder import ModelBuilder

        return ModelBuilder(self, model)

    def providers(self) -> list[str]:
        self._core.registry.load()
        return sorted(self._core.registry.providers)


class Client(_Facade):
    """Synchronous client over every installed provider plugin.

    >>> client = Client()
    >>> client.chat("openai/gpt-4o-mini", "Say hi").text
    """

    def __init__(self, **kwargs: Any) -> None:
        self._core = _Core(**kwargs)
        self._clients: dict[str, httpx.Client] = {}
        self._http_lock = threading.Lock()

    def _http(self, provider: Provider) -> httpx.Client:
        http = self._clients.get(provider.name)
        if http is None:
            with self._http_lock:
                http = self._clients.get(provider.name)
                if http is None:
                    http = httpx.Client(**self._core.http_client_args(provider, False))
                    self._clients[provider.name] = http
        return http

    def close(self) -> None:
        for http in self._clients.values():
            http.close()
        self._clients.clear()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _attempt(self, provider: Provider, request: AnyRequest, op: telemetry.Operation,
                 deadline: Deadline, stream: bool = False) -> Any:
        """One try: circuit check, encode, auth, send; a 2xx response (read unless
        streaming) or a typed error."""
        core = self._core
        breaker = core.breaker(provider)
        if breaker is not None:
            breaker.before()
        try:
            with op.step("fluentai.encode"):
                http_request, auth = core.encode(provider, request)
            deadline.attempt()
            limits = http_request.extensions["timeout"] = deadline.extension(first=True)
            try:
                with op.step("fluentai.transport"):
                    response = self._http(provider).send(http_request, auth=auth, stream=True)
                    op.responded(response.http_version)
                    # HTTP/1.1 reads its body limit once: the watchdog keeps the first-token
                    # deadline there; other versions read it per read and keep the clamp
                    limits.update(deadline.extension(first=response.http_version != "HTTP/1.1"))
                    if not stream or response.status_code >= 400:
                        _read(response, deadline)
            except httpx.TransportError as exc:
                raise core.transport_error(provider, exc, deadline) from None
            if response.status_code >= 400:
                raise core.status_error(provider, request, response)
        except FluentAIError as exc:
            if breaker is not None:
                breaker.failure(exc)
            raise
        if breaker is not None:
            breaker.success()
        return response

    def _send(self, provider: Provider, request: AnyRequest,
              retry_policy: RetryPolicy | int | None = None, timeout: Any = None,
              deadline: Deadline | None = None) -> Any:
        core = self._core
        deadline = deadline or core.deadline(timeout, stream=False)
        op = telemetry.start(provider, request)
        try:
            response = retry.call(core.policy(retry_policy, deadline),
                                  lambda: self._attempt(provider, request, op, deadline),
                                  core.on_retry(provider, op))
            with op.step("fluentai.decode"):
                result = core.decode(provider, request, response)
        except BaseException as exc:
            op.fail(exc)
            raise
        op.end(result)
        return result

    def chat(self, model: str | Sequence[str], prompt: str | Message | Sequence[Any], *,
             retry: RetryPolicy | int | None = None, timeout: Any = None,
             **kwargs: Any) -> ChatResponse:
        """One answer from ``model`` ("provider/model") for a prompt or a message list;
        several models are tried in order when one fails with a retryable error."""
        models = self._core.candidates(model)
        deadline = self._core.deadline(timeout, stream=False)
        skipped: list[str] = []
        for i, name in enumerate(models):
            provider, model_id = self._core.route(name)
            request = self._core.chat_request(model_id, prompt, stream=False, **kwargs)
            try:
                result: ChatResponse = self._send(provider, request, retry, deadline=deadline)
            except FluentAIError as exc:
                if self._core.fall_through(exc, i == len(models) - 1, name):
                    skipped.append(name)
                    continue
                raise
            if skipped:
                result.provider_metadata["fallback"] = {"skipped": skipped}
            return result
        raise AssertionError("unreachable: the last model raises")

    def stream(self, model: str | Sequence[str], prompt: str | Message | Sequence[Any], *,
               retry: RetryPolicy | int | None = None, timeout: Any = None,
               **kwargs: Any) -> Stream:
        """Stream the answer as typed events (see fluentai.events). Retries and fallbacks
        apply until the first event; after that a broken stream raises with its output."""
        candidates = []
        for name in self._core.candidates(model):
            provider, model_id = self._core.route(name)
            candidates.append((provider, self._core.chat_request(model_id, prompt, stream=True,
                                                                 **kwargs)))
        return Stream(self, candidates, retry, timeout)

    def embed(self, model: str, inputs: str | Sequence[str], *,
              retry: RetryPolicy | int | None = None, timeout: Any = None,
              **kwargs: Any) -> EmbeddingResponse:
        """Embed texts; inputs beyond the provider's per-request limit are batched."""
        provider, model_id = self._core.route(model)
        request = self._core.embed_request(model_id, inputs, provider=provider.name,
                                           **kwargs)
        deadline = self._core.deadline(timeout, stream=False)  # one budget for every batch
        batches = _batches(request, provider.max_embed_batch)
        return _merge_embeddings([self._send(provider, b, retry, deadline=deadline)
                                  for b in batches])

    def rerank(self, model: str, query: str, documents: Sequence[Any], *,
               retry: RetryPolicy | int | None = None, timeout: Any = None,
               **kwargs: Any) -> RerankResponse:
        provider, model_id = self._core.route(model)
        request = self._core.rerank_request(model_id, query, documents, **kwargs)
        return _with_documents(self._send(provider, request, retry, timeout), request)

    def transcribe(self, model: str, audio: bytes, *, retry: RetryPolicy | int | None = None,
                   timeout: Any = None, **kwargs: Any) -> Transcription:
        provider, model_id = self._core.route(model)
        return self._send(provider, TranscribeRequest(model=model_id, audio=audio, **kwargs),
                          retry, timeout)

    def models(self, provider: str | None = None, *, live: bool = True) -> list[ModelInfo]:
        """Catalog models, merged with the live listing where the provider has one and a
        key is configured."""
        out: list[ModelInfo] = []
        for name in self._core.provider_names(provider):
            p = self.provider(name)
            listed = None
            if live and p.lists_models and p.configured:
                try:
                    listed = self._list_models(p)
                except FluentAIError:
                    if provider:  # asked for this provider: say what is wrong
                        raise
            out.extend(self._core.merge_models(p, listed))
        return out

    def check(self, provider: str) -> CheckResult:
        """Verify the key and that the provider answers; ``problem`` says what is wrong."""
        p = self.provider(provider)
        early = self._core.precheck(p)
        if early is not None:
            return early
        start = time.perf_counter()
        try:
            listed = self._list_models(p)
        except FluentAIError as exc:
            return CheckResult(provider=p.name, ok=False, problem=str(exc))
        return self._core.checked(p, listed, start)

    def _list_models(self, p: Provider) -> list[ModelInfo]:
        """Every page of the provider's live listing."""
        listed: list[ModelInfo] = []
        token = None
        for _ in range(MAX_MODEL_PAGES):
            page = self._send(p, ListModelsRequest(page_token=token))
            listed += page
            token = getattr(page, "next_page", None)
            if not token:
                break
        return listed


class AsyncClient(_Facade):
    """Asynchronous client; use ``async with AsyncClient() as client``."""

    def __init__(self, *, max_concurrency: int = 8, **kwargs: Any) -> None:
        self._core = _Core(**kwargs)
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._max_concurrency = max_concurrency

    def _http(self, provider: Provider) -> httpx.AsyncClient:
        http = self._clients.get(provider.name)
        if http is None:
            http = httpx.AsyncClient(**self._core.http_client_args(provider, True))
            self._clients[provider.name] = http
        return http

    async def aclose(self) -> None:
        for http in self._clients.values():
            await http.aclose()
        self._clients.clear()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _attempt(self, provider: Provider, request: AnyRequest, op: telemetry.Operation,
                       deadline: Deadline, stream: bool = False) -> Any:
        core = self._core
        breaker = core.breaker(provider)
        if breaker is not None:
            breaker.before()
        try:
            with op.step("fluentai.encode"):
                http_request, auth = core.encode(provider, request)
            deadline.attempt()
            limits = http_request.extensions["timeout"] = deadline.extension(first=True)
            try:
                with op.step("fluentai.transport"):
                    response = await _within(deadline, self._http(provider).send(
                        http_request, auth=auth, stream=True))
                    op.responded(response.http_version)
                    limits.update(deadline.extension(first=response.http_version != "HTTP/1.1"))
                    if not stream or response.status_code >= 400:
                        await _within(deadline, _aread(response))
            except (httpx.TransportError, TimeoutError) as exc:
                raise core.transport_error(provider, exc, deadline) from None
            if response.status_code >= 400:
                raise core.status_error(provider, request, response)
        except FluentAIError as exc:
            if breaker is not None:
                breaker.failure(exc)
            raise
        if breaker is not None:
            breaker.success()
        return response

    async def _send(self, provider: Provider, request: AnyRequest,
                    retry_policy: RetryPolicy | int | None = None, timeout: Any = None,
                    deadline: Deadline | None = None) -> Any:
        core = self._core
        deadline = deadline or core.deadline(timeout, stream=False)
        op = telemetry.start(provider, request)
        try:
            response = await retry.acall(core.policy(retry_policy, deadline),
                                         lambda: self._attempt(provider, request, op, deadline),
                                         core.on_retry(provider, op))
            with op.step("fluentai.decode"):
                result = core.decode(provider, request, response)
        except BaseException as exc:
            op.fail(exc)
            raise
        op.end(result)
        return result

    async def chat(self, model: str | Sequence[str], prompt: str | Message | Sequence[Any], *,
                   retry: RetryPolicy | int | None = None, timeout: Any = None,
                   **kwargs: Any) -> ChatResponse:
        models = self._core.candidates(model)
        deadline = self._core.deadline(timeout, stream=False)
        skipped: list[str] = []
        for i, name in enumerate(models):
            provider, model_id = self._core.route(name)
            request = self._core.chat_request(model_id, prompt, stream=False, **kwargs)
            try:
                result: ChatResponse = await self._send(provider, request, retry,
                                                        deadline=deadline)
            except FluentAIError as exc:
                if self._core.fall_through(exc, i == len(models) - 1, name):
                    skipped.append(name)
                    continue
                raise
            if skipped:
                result.provider_metadata["fallback"] = {"skipped": skipped}
            return result
        raise AssertionError("unreachable: the last model raises")

    def stream(self, model: str | Sequence[str], prompt: str | Message | Sequence[Any], *,
               retry: RetryPolicy | int | None = None, timeout: Any = None,
               **kwargs: Any) -> AsyncStream:
        candidates = []
        for name in self._core.candidates(model):
            provider, model_id = self._core.route(name)
            candidates.append((provider, self._core.chat_request(model_id, prompt, stream=True,
                                                                 **kwargs)))
        return AsyncStream(self, candidates, retry, timeout)

    async def embed(self, model: str, inputs: str | Sequence[str], *,
                    retry: RetryPolicy | int | None = None, timeout: Any = None,
                    **kwargs: Any) -> EmbeddingResponse:
        """Embed texts; batches beyond the provider's limit go out with bounded concurrency
        and come back in order."""
        provider, model_id = self._core.route(model)
        request = self._core.embed_request(model_id, inputs, provider=provider.name,
                                           **kwargs)
        import asyncio  # only async callers pay for it

        limit = asyncio.Semaphore(self._max_concurrency)
        deadline = self._core.deadline(timeout, stream=False)

        async def one(batch: EmbedRequest) -> EmbeddingResponse:
            async with limit:
                return await self._send(  # type: ignore[no-any-return]
                    provider, batch, retry, deadline=deadline)

        batches = _batches(request, provider.max_embed_batch)
        return _merge_embeddings(list(await asyncio.gather(*(one(b) for b in batches))))

    async def rerank(self, model: str, query: str, documents: Sequence[Any], *,
                     retry: RetryPolicy | int | None = None, timeout: Any = None,
                     **kwargs: Any) -> RerankResponse:
        provider, model_id = self._core.route(model)
        request = self._core.rerank_request(model_id, query, documents, **kwargs)
        return _with_documents(await self._send(provider, request, retry, timeout), request)

    async def transcribe(self, model: str, audio: bytes, *,
                         retry: RetryPolicy | int | None = None, timeout: Any = None,
                         **kwargs: Any) -> Transcription:
        provider, model_id = self._core.route(model)
        return await self._send(provider, TranscribeRequest(model=model_id, audio=audio,
                                                            **kwargs), retry, timeout)

    async def models(self, provider: str | None = None, *, live: bool = True
                     ) -> list[ModelInfo]:
        out: list[ModelInfo] = []
        for name in self._core.provider_names(provider):
            p = self.provider(name)
            listed = None
            if live and p.lists_models and p.configured:
                try:
                    listed = await self._list_models(p)
                except FluentAIError:
                    if provider:
                        raise
            out.extend(self._core.merge_models(p, listed))
        return out

    async def check(self, provider: str) -> CheckResult:
        """Verify the key and that the provider answers; ``problem`` says what is wrong."""
        p = self.provider(provider)
        early = self._core.precheck(p)
        if early is not None:
            return early
        start = time.perf_counter()
        try:
            listed = await self._list_models(p)
        except FluentAIError as exc:
            return CheckResult(provider=p.name, ok=False, problem=str(exc))
        return self._core.checked(p, listed, start)

    async def _list_models(self, p: Provider) -> list[ModelInfo]:
        listed: list[ModelInfo] = []
        token = None
        for _ in range(MAX_MODEL_PAGES):
            page = await self._send(p, ListModelsRequest(page_token=token))
            listed += page
            token = getattr(page, "next_page", None)
            if not token:
                break
        return listed


def _batches(request: EmbedRequest, size: int) -> list[EmbedRequest]:
    inputs = request.inputs
    if len(inputs) <= size:
        return [request]
    return [msgspec.structs.replace(request, inputs=inputs[i:i + size])
            for i in range(0, len(inputs), size)]


def _merge_embeddings(parts: list[EmbeddingResponse]) -> EmbeddingResponse:
    if len(parts) == 1:
        return parts[0]
    embeddings: list[Embedding] = []
    usage = Usage()
    cost: float | None = 0.0
    for part in parts:
        offset = len(embeddings)
        embeddings.extend(Embedding(offset + e.index, e.vector)
                          for e in sorted(part.embeddings, key=lambda e: e.index))
        usage = usage + part.usage
        cost = None if cost is None or part.cost is None else cost + part.cost
    first = parts[0]
    return EmbeddingResponse(provider=first.provider, model=first.model,
                             embeddings=embeddings, usage=usage, cost=cost)


def _with_documents(result: RerankResponse, request: RerankRequest) -> RerankResponse:
    """Fill in each result's document text from the request when the provider omits it."""
    result.results = [r if r.document is not None else
                      msgspec.structs.replace(r, document=request.documents[r.index])
                      for r in result.results]
    return result

