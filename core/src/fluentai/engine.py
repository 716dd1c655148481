"""The I/O-free engine both clients share: provider instances, model routing, the hook
calls (encode, auth, decode, stream decoder, errors), circuit breakers, retry policies,
deadlines, and the typed errors for transport failures. ``Client`` and ``AsyncClient`` add
only the I/O (``client.py``, ``async_client.py``)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import msgspec

from . import _defaults, building, catalog, redact, telemetry
from ._lazy import httpx
from .breaker import CircuitBreaker
from .errors import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    CircuitOpenError,
    ConfigurationError,
    FluentAIError,
    InvalidInputError,
    NotFoundError,
    ProviderNotFoundError,
)
from .exchange import as_httpx
from .plugins import Registry, default_registry
from .provider import Provider
from .request import AnyRequest, ChatRequest, CheckRequest, EmbedRequest, RerankRequest
from .retry import Retrier, RetryPolicy, policy_from
from .timeouts import Deadline, Timeout, timeout_from
from .transport import TransportOptions, missing, options_from
from .types import (
    ChatResponse,
    CheckResult,
    Embedding,
    EmbeddingResponse,
    ModelInfo,
    RerankResponse,
    Usage,
)

log = logging.getLogger("fluentai")
log.addHandler(logging.NullHandler())  # a library never writes to an app's stderr unasked
MAX_MODEL_PAGES = 100  # a listing that pages further is a server bug, not a catalog
_E = TypeVar("_E", bound=BaseException)


class Engine:
    """State and logic shared by Client and AsyncClient: providers, routing, hooks,
    breakers, typed errors. No I/O here."""

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
        self._settings_checked = not self._settings
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

    def retrier(self, provider: Provider, op: telemetry.Operation,
                retry: RetryPolicy | int | None, deadline: Deadline) -> Retrier:
        """The call's retries: its policy, bounded by its total timeout too."""
        return Retrier(policy_from(retry, self.retry), self.on_retry(provider, op), deadline,
                       lambda: deadline.error("total", provider.base_url, provider.name))

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
        if isinstance(model, str):
            return [building.check_model(model)]
        if not isinstance(model, (list, tuple)):
            building.check_model(model)  # raises, naming what was given
        if not model:
            raise InvalidInputError("name at least one model: 'provider/model', or a list "
                                    "of them to fall back through")
        return [building.check_model(m) for m in model]

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
        if not self._settings_checked:
            self._check_settings()
        canonical = self._registry.canonical(name, self._env)
        with self._lock:
            if canonical not in self._providers:
                cls = self._registry.provider_class(canonical, self._env)
                settings = self._settings.get(canonical) or self._settings.get(name) or {}
                made = cls(env=self._env, **settings)
                made.transport = options_from(made.transport, self.transport)
                self._providers[canonical] = made
            instance = self._providers[canonical]
            self._providers[name] = instance
        return instance

    def _check_settings(self) -> None:
        """``providers={...}`` names installed providers and settings each one reads: a
        typo is an error with a suggestion, not a setting silently ignored."""
        for name, settings in self._settings.items():
            try:
                cls = self._registry.provider_class(name, self._env)
            except ProviderNotFoundError as exc:
                raise ConfigurationError(f"providers={{{name!r}: ...}}: {exc}") from None
            cls.check_settings(settings)
        self._settings_checked = True

    def missing(self, provider: Provider) -> str | None:
        """What the user must still set for ``provider``, or None. When another plugin's
        ``fluentai_auth`` hook authorizes it, the provider's own key is not needed."""
        if self._auth_override(provider) is not None:
            return provider.missing_settings()
        return provider.missing_configuration()

    def _auth_override(self, provider: Provider) -> httpx.Auth | None:
        """What another plugin's ``fluentai_auth`` answers for ``provider`` (core's own
        default, the provider's key, left out)."""
        self._registry.load_hooks()
        others = self._registry.pm.subset_hook_caller("fluentai_auth", [_defaults])
        return others(provider=provider)  # type: ignore[no-any-return]

    def set_api_key(self, provider: str, api_key: str) -> None:
        """Rotate a provider's key on a live client; requests in flight keep the old one."""
        self.provider(provider).set_api_key(api_key)

    def route(self, model: str) -> tuple[Provider, str]:
        """Split ``provider/model`` into the Provider and its own model id."""
        found = self._routes.get(model) if isinstance(model, str) else None
        if found is not None:
            return found
        name, sep, model_id = building.check_model(model).partition("/")
        if not sep:
            owner = catalog.find_provider(model)
            if owner is None:
                raise InvalidInputError(
                    f"Model {model!r} names no provider: write it as 'provider/model', "
                    f"e.g. 'openai/{model}' (see `fluentai models`).")
            name, model_id = owner, model
        provider = self.provider(name)  # the model id goes out as given: providers take aliases
        self._routes[model] = (provider, model_id)
        return provider, model_id

    # --- hooks ----------------------------------------------------------------------

    def encode(self, provider: Provider, request: AnyRequest) -> tuple[httpx.Request, httpx.Auth]:
        hook = self._registry.hook
        http_request = hook.fluentai_encode(provider=provider, request=request)
        return http_request, hook.fluentai_auth(provider=provider)

    def decode(self, provider: Provider, request: AnyRequest, response: httpx.Response) -> Any:
        result = self._registry.hook.fluentai_decode(provider=provider, request=request,
                                                     response=as_httpx(response))
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
            provider=provider, response=as_httpx(response))
        model = getattr(request, "model", None)
        if isinstance(error, NotFoundError) and model:
            close = catalog.suggest(provider.name, model)
            if close:
                error.message += f" Did you mean {', '.join(repr(c) for c in close)}?"
        elif isinstance(error, AuthenticationError) and provider.api_key_env \
                and provider._api_key is not None:  # the key was refused: say where it is set
            error.message += (f" Set {provider.api_key_env[0]} to a valid key (or pass "
                              f"api_key=... to the client).")
        error.args = (error.message,)
        return self.scrub(provider, error)

    def transport_error(self, provider: Provider, exc: BaseException, deadline: Deadline,
                        *, answered: bool = False) -> FluentAIError:
        """A failure before any output reached the caller, typed (retryable but for an
        exhausted total budget). ``answered``: the server had sent its headers."""
        phase = deadline.phase(exc)
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

    @staticmethod
    def scrub(provider: Provider, error: _E) -> _E:
        """Mask every secret of the provider that a server echoed into an error (message,
        body, request id, raw bytes, chained errors)."""
        return redact.scrub_error(error, provider.secrets())

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

    def check_request(self, provider: Provider) -> CheckRequest | CheckResult:
        """The request ``check`` sends, or its result when none is needed: settings
        missing, credentials that do not resolve (a key, another plugin's auth, Google ADC,
        the AWS chain), or no request that could verify them."""
        name = provider.name
        missing = self.missing(provider)
        if missing:
            return CheckResult(provider=name, ok=False, configured=False,
                               problem=f"not configured: {missing}",
                               error="ConfigurationError")
        try:
            self._registry.hook.fluentai_auth(provider=provider)
            request = provider.check_request()
        except ConfigurationError as exc:
            return CheckResult(provider=name, ok=False, configured=False,
                               problem=f"not configured: {exc.message}",
                               error="ConfigurationError")
        if request is None:
            return CheckResult(provider=name, ok=False,
                               problem=f"configured, not verified: {provider.label or name} "
                                       f"{provider.unverified_reason}")
        return request

    @staticmethod
    def checked(provider: Provider, outcome: int | FluentAIError | None,
                start: float) -> CheckResult:
        """The check's result once its request succeeded (``outcome``: the number of
        models listed, or None) or failed (a typed error)."""
        if isinstance(outcome, ConfigurationError):  # credentials that failed to load
            return CheckResult(provider=provider.name, ok=False, configured=False,
                               problem=f"not configured: {outcome.message}",
                               error="ConfigurationError")
        if isinstance(outcome, FluentAIError):
            return CheckResult(provider=provider.name, ok=False, problem=str(outcome),
                               error=type(outcome).__name__)
        return CheckResult(provider=provider.name, ok=True, verified=True, models=outcome,
                           latency_ms=round((time.perf_counter() - start) * 1000, 1))

    def provider_names(self, provider: str | None) -> list[str]:
        self._registry.load()
        return [self._registry.canonical(provider)] if provider else \
            sorted(self._registry.providers)


class BaseClient:
    """Methods identical on both clients."""

    _core: Engine

    def provider(self, name: str) -> Provider:
        return self._core.provider(name)

    def set_api_key(self, provider: str, api_key: str) -> None:
        self._core.set_api_key(provider, api_key)

    def providers(self) -> list[str]:
        self._core.registry.load()
        return sorted(self._core.registry.providers)

    def _route_all(self, model: str | Sequence[str], prompt: Any, stream: bool,
                   options: dict[str, Any]) -> list[tuple[Provider, ChatRequest]]:
        """Each candidate model with its provider and the request for it."""
        out = []
        for name in self._core.candidates(model):
            provider, model_id = self._core.route(name)
            out.append((provider, building.chat_request(model_id, prompt, stream=stream,
                                                        provider=provider.name, **options)))
        return out


def batches(request: EmbedRequest, size: int) -> list[EmbedRequest]:
    inputs = request.inputs
    if len(inputs) <= size:
        return [request]
    return [msgspec.structs.replace(request, inputs=inputs[i:i + size])
            for i in range(0, len(inputs), size)]


def merge_embeddings(parts: list[EmbeddingResponse]) -> EmbeddingResponse:
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


def with_documents(result: RerankResponse, request: RerankRequest) -> RerankResponse:
    """Fill in each result's document text from the request when the provider omits it."""
    result.results = [r if r.document is not None else
                      msgspec.structs.replace(r, document=request.documents[r.index])
                      for r in result.results]
    return result

