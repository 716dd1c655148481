"""The synchronous client. It adds only blocking I/O to the shared engine (``engine.py``);
``AsyncClient`` (``async_client.py``) is its mirror, call for call.

Each provider gets one pooled httpx client, created on first use; requests go through the
hooks (encode -> auth -> transport -> decode / stream decoder), so plugins can change any
seam of any provider.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import building, exchange, options, telemetry
from ._lazy import httpx
from .engine import (
    MAX_MODEL_PAGES,
    BaseClient,
    Engine,
    batches,
    merge_embeddings,
    with_documents,
)
from .errors import FluentAIError
from .options import (
    ChatOptions,
    ClientOptions,
    EmbedOptions,
    Prompt,
    RerankOptions,
    TranscribeOptions,
)
from .provider import Provider
from .request import AnyRequest, ListModelsRequest
from .retry import RetryPolicy
from .streams import Stream
from .timeouts import Deadline, read_within
from .types import (
    ChatResponse,
    CheckResult,
    EmbeddingResponse,
    ModelInfo,
    RerankResponse,
    Transcription,
)

if TYPE_CHECKING:
    from typing import Unpack

    from .builder import ModelBuilder

__all__ = ["AsyncClient", "AsyncStream", "CheckResult", "Client", "Stream"]


class Client(BaseClient):
    """Synchronous client over every installed provider plugin.

    >>> client = Client()
    >>> client.chat("openai/gpt-4o-mini", "Say hi").text
    """

    def __init__(self, **kwargs: Unpack[ClientOptions]) -> None:
        options.check("Client", kwargs, ClientOptions)
        self._core = Engine(**kwargs)
        self._clients: dict[str, httpx.Client] = {}
        self._direct: dict[str, Any] = {}  # transports of contract version 2 (exchange.py)
        self._http_lock = threading.Lock()

    def _http(self, provider: Provider) -> httpx.Client:
        http = self._clients.get(provider.name)
        if http is None:
            with self._http_lock:
                http = self._clients.get(provider.name)
                if http is None:
                    args = self._core.http_client_args(provider, False)
                    http = httpx.Client(**args)
                    self._direct[provider.name] = exchange.direct(args["transport"])
                    self._clients[provider.name] = http
        return http

    def _transmit(self, provider: Provider, request: httpx.Request, auth: httpx.Auth) -> Any:
        """Send through httpx, or straight to a version-2 transport."""
        http = self._http(provider)
        direct = self._direct[provider.name]
        if direct is None:
            return http.send(request, auth=auth, stream=True)
        return direct(exchange.authorized(auth, request))

    def close(self) -> None:
        for http in self._clients.values():
            http.close()
        self._clients.clear()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def model(self, model: str) -> ModelBuilder:
        """A fluent, immutable builder bound to ``model``: ``client.model(m).system(..)``."""
        from .builder import ModelBuilder

        return ModelBuilder(self, model)

    def _attempt(self, provider: Provider, request: AnyRequest, op: telemetry.Operation,
                 deadline: Deadline, stream: bool = False) -> Any:
        """One try: circuit check, encode, auth, send; a 2xx response (read unless
        streaming) or a typed error."""
        core = self._core
        breaker = core.breaker(provider)
        trial = breaker.before() if breaker is not None else False
        try:
            with op.step("fluentai.encode"):
                http_request, auth = core.encode(provider, request)
            deadline.attempt()
            limits = http_request.extensions["timeout"] = deadline.extension(first=True)
            try:
                with op.step("fluentai.transport"):
                    response = self._transmit(provider, http_request, auth)
                    op.responded(response.http_version)
                    # HTTP/1.1 reads its body limit once: the watchdog keeps the first-token
                    # deadline there; other versions read it per read and keep the clamp
                    multiplexed = response.http_version != "HTTP/1.1"
                    limits.update(deadline.extension(first=multiplexed))
                    if multiplexed and deadline.next() is not None:
                        from .clamped import Clamped

                        response.stream = Clamped(response.stream, limits, deadline)
                    if not stream or response.status_code >= 400:
                        read_within(response, deadline)
            except httpx.TransportError as exc:
                raise core.transport_error(provider, exc, deadline) from None
            if response.status_code >= 400:
                raise core.status_error(provider, request, response)
        except BaseException as exc:  # cancelled or interrupted too: a trial must end
            if breaker is not None:
                breaker.failure(exc, trial)
            raise
        if breaker is not None:
            breaker.success(trial)
        return response

    def _send(self, provider: Provider, request: AnyRequest,
              retry_policy: RetryPolicy | int | None = None, timeout: Any = None,
              deadline: Deadline | None = None) -> Any:
        core = self._core
        deadline = deadline or core.deadline(timeout, stream=False)
        op = telemetry.start(provider, request)
        try:
            response = core.retrier(provider, op, retry_policy, deadline).call(
                lambda: self._attempt(provider, request, op, deadline))
            with op.step("fluentai.decode"):
                result = core.decode(provider, request, response)
        except BaseException as exc:
            op.fail(core.scrub(provider, exc))
            raise
        op.end(result)
        return result

    def chat(self, model: str | Sequence[str], prompt: Prompt,
             **kwargs: Unpack[ChatOptions]) -> ChatResponse:
        """One answer from ``model`` ("provider/model") for a prompt or a message list;
        several models are tried in order when one fails with a retryable error."""
        options.check("Client.chat", kwargs, ChatOptions)
        retry_, timeout, rest = options.split(kwargs)
        candidates = self._route_all(model, prompt, False, rest)
        deadline = self._core.deadline(timeout, stream=False)
        skipped: list[str] = []
        for i, (provider, request) in enumerate(candidates):
            try:
                result: ChatResponse = self._send(provider, request, retry_, deadline=deadline)
            except FluentAIError as exc:
                name = f"{provider.name}/{request.model}"
                if self._core.fall_through(exc, i == len(candidates) - 1, name):
                    skipped.append(name)
                    continue
                raise
            if skipped:
                result.provider_metadata["fallback"] = {"skipped": skipped}
            return result
        raise AssertionError("unreachable: the last model raises")

    def stream(self, model: str | Sequence[str], prompt: Prompt,
               **kwargs: Unpack[ChatOptions]) -> Stream:
        """Stream the answer as typed events (see fluentai.events). Retries and fallbacks
        apply until the first event; after that a broken stream raises with its output."""
        options.check("Client.stream", kwargs, ChatOptions)
        retry_, timeout, rest = options.split(kwargs)
        return Stream(self, self._route_all(model, prompt, True, rest), retry_, timeout)

    def embed(self, model: str, inputs: str | Sequence[str],
              **kwargs: Unpack[EmbedOptions]) -> EmbeddingResponse:
        """Embed texts; inputs beyond the provider's per-request limit are batched."""
        options.check("Client.embed", kwargs, EmbedOptions)
        retry_, timeout, rest = options.split(kwargs)
        provider, model_id = self._core.route(model)
        request = building.embed_request(model_id, inputs, provider=provider.name, **rest)
        deadline = self._core.deadline(timeout, stream=False)  # one budget for every batch
        return merge_embeddings([self._send(provider, b, retry_, deadline=deadline)
                                 for b in batches(request, provider.max_embed_batch)])

    def rerank(self, model: str, query: str, documents: Sequence[Any],
               **kwargs: Unpack[RerankOptions]) -> RerankResponse:
        """Order documents by relevance to the query."""
        options.check("Client.rerank", kwargs, RerankOptions)
        retry_, timeout, rest = options.split(kwargs)
        provider, model_id = self._core.route(model)
        request = building.rerank_request(model_id, query, documents, **rest)
        return with_documents(self._send(provider, request, retry_, timeout), request)

    def transcribe(self, model: str, audio: bytes,
                   **kwargs: Unpack[TranscribeOptions]) -> Transcription:
        """Speech to text."""
        options.check("Client.transcribe", kwargs, TranscribeOptions)
        retry_, timeout, rest = options.split(kwargs)
        provider, model_id = self._core.route(model)
        request = building.transcribe_request(model_id, audio, **rest)
        result: Transcription = self._send(provider, request, retry_, timeout)
        return result

    def models(self, provider: str | None = None, *, live: bool = True) -> list[ModelInfo]:
        """Catalog models, merged with the live listing where the provider has one and a
        key is configured."""
        out: list[ModelInfo] = []
        for name in self._core.provider_names(provider):
            p = self.provider(name)
            listed = None
            if live and p.lists_models and self._core.missing(p) is None:
                try:
                    listed = self._list_models(p)
                except FluentAIError:
                    if provider:  # asked for this provider: say what is wrong
                        raise
            out.extend(self._core.merge_models(p, listed))
        return out

    def check(self, provider: str) -> CheckResult:
        """Verify the credentials with one cheap authenticated request (the model listing,
        or the provider's own zero-cost call); ``problem`` says what is wrong."""
        p = self.provider(provider)
        request = self._core.check_request(p)
        if isinstance(request, CheckResult):
            return request
        start = time.perf_counter()
        try:
            outcome = self._send(p, request, 0)
        except FluentAIError as exc:
            outcome = exc
        return self._core.checked(p, outcome, start)

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


from .async_client import AsyncClient  # noqa: E402  (re-exported: one import path)
from .streams import AsyncStream  # noqa: E402
