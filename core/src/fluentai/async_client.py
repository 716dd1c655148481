"""The asynchronous client: the mirror of ``Client`` with asyncio I/O. Deadlines are exact
here (every wait runs under ``asyncio.timeout``)."""

from __future__ import annotations

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
from .request import AnyRequest, EmbedRequest, ListModelsRequest
from .retry import RetryPolicy
from .streams import AsyncStream
from .timeouts import Deadline, within
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

    from .builder import AsyncModelBuilder


class AsyncClient(BaseClient):
    """Asynchronous client; use ``async with AsyncClient() as client``."""

    def __init__(self, *, max_concurrency: int = 8, **kwargs: Unpack[ClientOptions]) -> None:
        options.check("AsyncClient", kwargs, ClientOptions)
        self._core = Engine(**kwargs)
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._direct: dict[str, Any] = {}  # transports of contract version 2 (exchange.py)
        self._max_concurrency = max_concurrency

    def _http(self, provider: Provider) -> httpx.AsyncClient:
        http = self._clients.get(provider.name)
        if http is None:
            args = self._core.http_client_args(provider, True)
            http = httpx.AsyncClient(**args)
            self._clients[provider.name] = http
            self._direct[provider.name] = exchange.direct(args["transport"])
        return http

    async def _transmit(self, provider: Provider, request: httpx.Request,
                        auth: httpx.Auth) -> Any:
        """Send through httpx, or straight to a version-2 transport."""
        http = self._http(provider)
        direct = self._direct[provider.name]
        if direct is None:
            return await http.send(request, auth=auth, stream=True)
        return await direct(await exchange.aauthorized(auth, request))

    async def aclose(self) -> None:
        for http in self._clients.values():
            await http.aclose()
        self._clients.clear()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def model(self, model: str) -> AsyncModelBuilder:
        """A fluent, immutable builder bound to ``model``; its calls are awaitable."""
        from .builder import AsyncModelBuilder

        return AsyncModelBuilder(self, model)

    async def _attempt(self, provider: Provider, request: AnyRequest, op: telemetry.Operation,
                       deadline: Deadline, stream: bool = False) -> Any:
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
                    response = await within(deadline, self._transmit(provider, http_request,
                                                                     auth))
                    op.responded(response.http_version)
                    limits.update(deadline.extension(first=response.http_version != "HTTP/1.1"))
                    if not stream or response.status_code >= 400:
                        await within(deadline, _aread(response))
            except (httpx.TransportError, TimeoutError) as exc:
                raise core.transport_error(provider, exc, deadline) from None
            if response.status_code >= 400:
                raise core.status_error(provider, request, response)
        except BaseException as exc:  # cancelled too: a trial must end
            if breaker is not None:
                breaker.failure(exc, trial)
            raise
        if breaker is not None:
            breaker.success(trial)
        return response

    async def _send(self, provider: Provider, request: AnyRequest,
                    retry_policy: RetryPolicy | int | None = None, timeout: Any = None,
                    deadline: Deadline | None = None) -> Any:
        core = self._core
        deadline = deadline or core.deadline(timeout, stream=False)
        op = telemetry.start(provider, request)
        try:
            response = await core.retrier(provider, op, retry_policy, deadline).acall(
                lambda: self._attempt(provider, request, op, deadline))
            with op.step("fluentai.decode"):
                result = core.decode(provider, request, response)
        except BaseException as exc:
            op.fail(core.scrub(provider, exc))
            raise
        op.end(result)
        return result

    async def chat(self, model: str | Sequence[str], prompt: Prompt,
                   **kwargs: Unpack[ChatOptions]) -> ChatResponse:
        """One answer from ``model``; several models are tried in order when one fails
        with a retryable error."""
        options.check("AsyncClient.chat", kwargs, ChatOptions)
        retry_, timeout, rest = options.split(kwargs)
        candidates = self._route_all(model, prompt, False, rest)
        deadline = self._core.deadline(timeout, stream=False)
        skipped: list[str] = []
        for i, (provider, request) in enumerate(candidates):
            try:
                result: ChatResponse = await self._send(provider, request, retry_,
                                                        deadline=deadline)
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
               **kwargs: Unpack[ChatOptions]) -> AsyncStream:
        """Stream the answer as typed events: ``async for ev in client.stream(...)``."""
        options.check("AsyncClient.stream", kwargs, ChatOptions)
        retry_, timeout, rest = options.split(kwargs)
        return AsyncStream(self, self._route_all(model, prompt, True, rest), retry_, timeout)

    async def embed(self, model: str, inputs: str | Sequence[str],
                    **kwargs: Unpack[EmbedOptions]) -> EmbeddingResponse:
        """Embed texts; batches beyond the provider's limit go out with bounded concurrency
        and come back in order."""
        options.check("AsyncClient.embed", kwargs, EmbedOptions)
        retry_, timeout, rest = options.split(kwargs)
        provider, model_id = self._core.route(model)
        request = building.embed_request(model_id, inputs, provider=provider.name, **rest)
        import asyncio  # only async callers pay for it

        limit = asyncio.Semaphore(self._max_concurrency)
        deadline = self._core.deadline(timeout, stream=False)

        async def one(batch: EmbedRequest) -> EmbeddingResponse:
            async with limit:
                result: EmbeddingResponse = await self._send(provider, batch, retry_,
                                                             deadline=deadline)
                return result

        parts = batches(request, provider.max_embed_batch)
        return merge_embeddings(list(await asyncio.gather(*(one(b) for b in parts))))

    async def rerank(self, model: str, query: str, documents: Sequence[Any],
                     **kwargs: Unpack[RerankOptions]) -> RerankResponse:
        """Order documents by relevance to the query."""
        options.check("AsyncClient.rerank", kwargs, RerankOptions)
        retry_, timeout, rest = options.split(kwargs)
        provider, model_id = self._core.route(model)
        request = building.rerank_request(model_id, query, documents, **rest)
        return with_documents(await self._send(provider, request, retry_, timeout), request)

    async def transcribe(self, model: str, audio: bytes,
                         **kwargs: Unpack[TranscribeOptions]) -> Transcription:
        """Speech to text."""
        options.check("AsyncClient.transcribe", kwargs, TranscribeOptions)
        retry_, timeout, rest = options.split(kwargs)
        provider, model_id = self._core.route(model)
        request = building.transcribe_request(model_id, audio, **rest)
        result: Transcription = await self._send(provider, request, retry_, timeout)
        return result

    async def models(self, provider: str | None = None, *, live: bool = True
                     ) -> list[ModelInfo]:
        """Catalog models, merged with the live listing where a key is configured."""
        out: list[ModelInfo] = []
        for name in self._core.provider_names(provider):
            p = self.provider(name)
            listed = None
            if live and p.lists_models and self._core.missing(p) is None:
                try:
                    listed = await self._list_models(p)
                except FluentAIError:
                    if provider:
                        raise
            out.extend(self._core.merge_models(p, listed))
        return out

    async def check(self, provider: str) -> CheckResult:
        """Verify the credentials with one cheap authenticated request; ``problem`` says
        what is wrong."""
        p = self.provider(provider)
        request = self._core.check_request(p)
        if isinstance(request, CheckResult):
            return request
        start = time.perf_counter()
        try:
            outcome = await self._send(p, request, 0)
        except FluentAIError as exc:
            outcome = exc
        return self._core.checked(p, outcome, start)

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


async def _aread(response: httpx.Response) -> None:
    try:
        await response.aread()
    except BaseException:
        await response.aclose()
        raise
