"""The Provider base class: one subclass per provider, holding its connection settings
and the default behaviour of every hook (auth, encode, decode, stream decode, errors).

A Provider is *where and how to connect*; its wire format (OpenAI-compatible, Anthropic
Messages, ...) is a mixin or helper it uses. Third parties override a single hook for an
existing provider without subclassing it (see spec/hooks.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import msgspec

from ._lazy import httpx
from .errormap import error_from_response
from .errors import APIStatusError, ConfigurationError, UnsupportedError
from .events import StreamEvent
from .redact import Secrets
from .request import (
    AnyRequest,
    ChatRequest,
    CheckRequest,
    EmbedRequest,
    ListModelsRequest,
    RerankRequest,
    TranscribeRequest,
)
from .types import ChatResponse, EmbeddingResponse, ModelInfo, RerankResponse, Transcription

if TYPE_CHECKING:  # re-exported: they live in .auth (see __getattr__ below)
    from .auth import HeaderAuth as HeaderAuth
    from .auth import NoAuth as NoAuth

_json_encode = msgspec.json.Encoder().encode


@lru_cache(maxsize=512)
def _parsed(url: str) -> httpx.URL:
    """httpx.URL is immutable and parsing one is most of building a request: once per URL."""
    return httpx.URL(url)


class Secret:
    """A credential whose repr, str and format never show its value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        raise TypeError("a Secret cannot be pickled")


class StreamDecoder(Protocol):
    """Turns a streamed response body into stream events, incrementally."""

    def feed(self, data: bytes) -> list[StreamEvent]:
        """Events completed by these bytes (may be none)."""

    def close(self) -> list[StreamEvent]:
        """Events at end of body; reports a stream that ended before it finished."""


class Provider:
    """Base of every provider. Subclasses set the class attributes and the encoders they
    support; everything else has a default."""

    name: ClassVar[str]
    label: ClassVar[str] = ""
    aliases: ClassVar[tuple[str, ...]] = ()
    docs_url: ClassVar[str] = ""
    base_url: str = ""  # the default; each instance resolves its own
    # The official SDK's base-URL variables, read as that SDK reads them: it names the host,
    # fluentai's base URL adds ``base_url_env_path`` (ANTHROPIC_BASE_URL + "/v1").
    base_url_env: ClassVar[tuple[str, ...]] = ()
    base_url_env_path: ClassVar[str] = ""
    api_key_env: ClassVar[tuple[str, ...]] = ()
    requires_key: ClassVar[bool] = True
    auth_header: ClassVar[str] = "Authorization"
    auth_scheme: ClassVar[str | None] = "Bearer"
    option_env: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    # Settings ``configure()`` reads beyond api_key, base_url, transport, region (with
    # ``regions``) and the ``option_env`` names; any other key is a ConfigurationError.
    settings: ClassVar[tuple[str, ...]] = ()
    # Providers with several endpoints (international / China ...): region -> base URL. The
    # first is the default; users pick one with region=... or FLUENTAI_<NAME>_REGION.
    regions: ClassVar[Mapping[str, str]] = {}
    _api_key: Secret | None
    _auth: httpx.Auth | None
    lists_models: ClassVar[bool] = False  # can list its models live
    # Why ``check`` cannot verify credentials, when ``check_request()`` is None.
    unverified_reason: ClassVar[str] = "has no model listing or other free request that " \
                                       "could verify credentials; the first call will"
    connection_hint: ClassVar[str] = ""  # added to "could not reach" errors
    max_embed_batch: ClassVar[int] = 2048  # inputs per embeddings request (client batches)

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None,
                 env: Mapping[str, str] | None = None, **options: Any) -> None:
        env = os.environ if env is None else env
        cls = type(self)
        self._secrets = Secrets()
        cls.check_settings(options)
        # a transport name or TransportOptions; None takes the client's (see transport.py)
        self.transport: Any = options.pop("transport", None) or env.get(
            self.base_url_variable.replace("_BASE_URL", "_TRANSPORT"))
        self._api_key: Secret | None = Secret(api_key) if api_key else next(
            (Secret(env[v]) for v in cls.api_key_env if env.get(v)), None)
        if self._api_key is not None:
            self._secrets.add(self._api_key.get())
        base = base_url or env.get(self.base_url_variable) or next(
            (env[v].rstrip("/") + cls.base_url_env_path for v in cls.base_url_env
             if env.get(v)), None) or self._regional_url(
            options.get("region") or env.get(self.base_url_variable.replace("_BASE_URL",
                                                                            "_REGION")))
        self.base_url = base.rstrip("/")
        found = {k: next((env[v] for v in vs if env.get(v)), None)
                 for k, vs in cls.option_env.items()}
        self.options: dict[str, Any] = {k: v for k, v in found.items() if v is not None}
        self.options.update({k: v for k, v in options.items() if v is not None})
        self._auth: httpx.Auth | None = None
        self._key_auth: HeaderAuth | None = None
        self.configure()

    @classmethod
    def accepted_settings(cls) -> list[str]:
        """Every key ``Client(providers={name: {...}})`` may set for this provider."""
        names = {"api_key", "base_url", "transport", *cls.option_env, *cls.settings}
        if cls.regions:
            names.add("region")
        return sorted(names)

    @classmethod
    def check_settings(cls, settings: Mapping[str, Any]) -> None:
        """Refuse a setting this provider does not read (a typo would otherwise be ignored
        silently), suggesting the closest one it does."""
        accepted = cls.accepted_settings()
        for key in settings:
            if key not in accepted:
                import difflib  # only to explain a typo

                close = difflib.get_close_matches(key, accepted, n=1)
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ConfigurationError(
                    f"{cls.label or cls.name} has no setting {key!r}.{hint} It accepts: "
                    f"{', '.join(accepted)}.", provider=cls.name)

    def _regional_url(self, region: str | None) -> str:
        regions = type(self).regions
        if not regions:
            return type(self).base_url
        if region is None:
            return next(iter(regions.values()))
        if region not in regions:
            raise ConfigurationError(
                f"{self.label or self.name} has no region {region!r}: choose one of "
                f"{', '.join(regions)}", provider=self.name)
        return regions[region]

    def configure(self) -> None:
        """Validate or derive settings after construction (override as needed)."""

    def __repr__(self) -> str:
        key = "set" if self._api_key else "missing"
        return f"<{type(self).__name__} {self.name!r} base_url={self.base_url!r} key={key}>"

    # --- configuration -----------------------------------------------------------------

    @property
    def base_url_variable(self) -> str:
        return f"FLUENTAI_{self.name.upper().replace('-', '_')}_BASE_URL"

    @property
    def configured(self) -> bool:
        """True if this provider has what it needs to make a request."""
        return self.missing_configuration() is None

    def missing_configuration(self) -> str | None:
        """What the user must set, or None when configured."""
        missing = [m for m in (self.missing_settings(), self.missing_credentials()) if m]
        return "; ".join(missing) or None

    def missing_settings(self) -> str | None:
        """Settings other than credentials still needed (an endpoint, a region, a project,
        an account id ...), or None."""
        return None

    def missing_credentials(self) -> str | None:
        """What to set so that requests carry credentials, or None. Moot when another
        plugin's ``fluentai_auth`` hook authorizes this provider's requests."""
        if self._api_key is not None or not self.requires_key:
            return None
        return f"set {' or '.join(self.api_key_env) or 'an API key'}"

    def check_request(self) -> CheckRequest | None:
        """What ``check`` sends: one cheap authenticated request (``encode_check``), by
        default the first page of the model listing; None when the provider has none, and
        ``check`` then says "configured, not verified" with ``unverified_reason``."""
        return CheckRequest() if self.lists_models else None

    @property
    def api_key(self) -> Secret:
        if self._api_key is None:
            var = self.api_key_env[0] if self.api_key_env else None
            how = f"set the environment variable {var}" if var else "pass api_key=..."
            raise ConfigurationError(
                f"No API key for {self.label or self.name}: {how} "
                f"(or pass api_key=... to the client).", provider=self.name, env_var=var)
        return self._api_key

    def set_api_key(self, api_key: str) -> None:
        """Rotate the key: every request sent after this returns carries the new key
        (the default auth reads it as each request goes out); requests already sent finish
        with the old one."""
        self._secrets.add(api_key)
        self._api_key = Secret(api_key)
        self._auth = None

    def register_secret(self, *values: str | None) -> None:
        """Remember a credential obtained at run time (an access token, a session token, a
        secret key) so that errors, spans and logs never show it. Plugins call this for
        every credential they hold or obtain."""
        self._secrets.add(*values)

    def secrets(self) -> list[str]:
        """Every secret value this provider holds or has obtained (its keys, old and new,
        and every registered credential), so that errors, spans and logs can scrub them."""
        return self._secrets.values()

    def _current_key(self) -> Secret | None:
        return self._api_key

    def url(self, path: str) -> str:
        return self.base_url + path

    def json_request(self, method: str, path: str, body: Any = None,
                     headers: Mapping[str, str] | None = None,
                     params: Mapping[str, str] | None = None) -> httpx.Request:
        """An httpx.Request with a msgspec-encoded JSON body."""
        hdrs = {"content-type": "application/json", "accept": "application/json"}
        if headers:
            hdrs.update(headers)
        content = _json_encode(body) if body is not None else None
        return httpx.Request(method, _parsed(self.url(path)), content=content, headers=hdrs,
                             params=params)

    # --- default hook implementations -------------------------------------------------

    def auth(self) -> httpx.Auth:
        """The httpx.Auth that authorizes requests: the key in ``auth_header``, read as each
        request goes out (a missing key that is required fails here, before sending)."""
        if self._api_key is None and self.requires_key:
            self.api_key  # noqa: B018  (raises the ConfigurationError naming the variable)
        if self._key_auth is None:
            from .auth import HeaderAuth

            self._key_auth = HeaderAuth(self._current_key, self.auth_header, self.auth_scheme)
        return self._key_auth

    def encode(self, request: AnyRequest) -> httpx.Request:
        if isinstance(request, ChatRequest):
            return self.encode_chat(request)
        if isinstance(request, EmbedRequest):
            return self.encode_embed(request)
        if isinstance(request, RerankRequest):
            return self.encode_rerank(request)
        if isinstance(request, TranscribeRequest):
            return self.encode_transcribe(request)
        if isinstance(request, CheckRequest):
            return self.encode_check(request)
        return self.encode_list_models(request)

    def decode(self, request: AnyRequest, response: httpx.Response) -> Any:
        if isinstance(request, ChatRequest):
            return self.decode_chat(request, response)
        if isinstance(request, EmbedRequest):
            return self.decode_embed(request, response)
        if isinstance(request, RerankRequest):
            return self.decode_rerank(request, response)
        if isinstance(request, TranscribeRequest):
            return self.decode_transcribe(request, response)
        if isinstance(request, CheckRequest):
            return self.decode_check(request, response)
        return self.decode_list_models(request, response)

    def map_error(self, response: httpx.Response) -> APIStatusError:
        return error_from_response(self.name, response.status_code, response.headers,
                                   response.content)

    def _unsupported(self, what: str) -> UnsupportedError:
        return UnsupportedError(f"{self.label or self.name} does not support {what} "
                                f"in fluentai-{self.name}", provider=self.name)

    def encode_chat(self, request: ChatRequest) -> httpx.Request:
        raise self._unsupported("chat")

    def decode_chat(self, request: ChatRequest, response: httpx.Response) -> ChatResponse:
        raise self._unsupported("chat")

    def stream_decoder(self, request: ChatRequest) -> StreamDecoder:
        raise self._unsupported("streaming")

    def encode_embed(self, request: EmbedRequest) -> httpx.Request:
        raise self._unsupported("embeddings")

    def decode_embed(self, request: EmbedRequest, response: httpx.Response) -> EmbeddingResponse:
        raise self._unsupported("embeddings")

    def encode_rerank(self, request: RerankRequest) -> httpx.Request:
        raise self._unsupported("rerank")

    def decode_rerank(self, request: RerankRequest, response: httpx.Response) -> RerankResponse:
        raise self._unsupported("rerank")

    def encode_transcribe(self, request: TranscribeRequest) -> httpx.Request:
        raise self._unsupported("audio transcription")

    def decode_transcribe(self, request: TranscribeRequest,
                          response: httpx.Response) -> Transcription:
        raise self._unsupported("audio transcription")

    def encode_list_models(self, request: ListModelsRequest) -> httpx.Request:
        raise self._unsupported("live model listing")

    def decode_list_models(self, request: ListModelsRequest,
                           response: httpx.Response) -> list[ModelInfo]:
        """A list, or a ModelPage naming the next page (``request.page_token`` asks for
        it)."""
        raise self._unsupported("live model listing")

    def encode_check(self, request: CheckRequest) -> httpx.Request:
        """The first page of the model listing (override with a zero-cost request of the
        provider's own where it has no listing)."""
        return self.encode_list_models(ListModelsRequest(headers=request.headers))

    def decode_check(self, request: CheckRequest, response: httpx.Response) -> int | None:
        """How many models the check's listing returned, or None when it is no listing."""
        return len(self.decode_list_models(ListModelsRequest(headers=request.headers),
                                           response))


def __getattr__(name: str) -> Any:
    """``HeaderAuth`` and ``NoAuth`` live in ``fluentai.auth`` (they need httpx)."""
    if name in ("HeaderAuth", "NoAuth"):
        from . import auth

        return getattr(auth, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
