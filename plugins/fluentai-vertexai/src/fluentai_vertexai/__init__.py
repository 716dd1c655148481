"""Google Vertex AI: Gemini models (generateContent / streamGenerateContent), Claude and
Mistral (rawPredict / streamRawPredict), reusing core's Gemini, Anthropic and
OpenAI-compatible wire formats, plus text embeddings (``:predict``).

Auth is google-auth: Application Default Credentials, or a service-account JSON
(GOOGLE_APPLICATION_CREDENTIALS, or ``credentials_file=``); the access token is cached and
refreshed near expiry, never fetched per request, once for all concurrent requests and off
the event loop of an AsyncClient (core's TokenAuth); every token and key is registered for
scrubbing. Project and location come from arguments or GOOGLE_CLOUD_PROJECT /
GOOGLE_CLOUD_LOCATION; the ``global`` location uses the global endpoint.
Docs followed: https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC
from typing import Any

import httpx
import msgspec

from fluentai import ChatResponse, Embedding, EmbeddingResponse, Provider, hookimpl
from fluentai.credentials import TokenAuth
from fluentai.errors import APIStatusError, ConfigurationError
from fluentai.optional import requires
from fluentai.provider import StreamDecoder
from fluentai.request import ChatRequest, CheckRequest, EmbedRequest
from fluentai.types import Usage
from fluentai.wire import anthropic, gemini
from fluentai.wire.openai import OpenAICompatible

__version__ = "0.1.0"

SCOPE = "https://www.googleapis.com/auth/cloud-platform"
GOOGLE_AUTH = "'google-auth>=2.20'"  # a dependency of this plugin: missing only when broken
LOGIN_HINT = ("run `gcloud auth application-default login`, or set "
              "GOOGLE_APPLICATION_CREDENTIALS to a service-account JSON file")
CHECK_MODEL = "gemini-2.5-flash"  # check counts tokens (free) on this model
ANTHROPIC_VERSION = "vertex-2023-10-16"
REFRESH_MARGIN = 225.0  # google-auth's own: refresh 3 min 45 s before expiry
TASK_TYPES = {"query": "RETRIEVAL_QUERY", "document": "RETRIEVAL_DOCUMENT"}


class _Response:
    """google-auth's transport response interface over an httpx response."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.headers = response.headers
        self.data = response.content


class _Transport:
    """google-auth's transport request interface over an httpx client (no ``requests``)."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def __call__(self, url: str, method: str = "GET", body: Any = None,
                 headers: Any = None, timeout: Any = None, **_: Any) -> _Response:
        return _Response(self._http.request(method, url, content=body, headers=headers))


def google_token(credentials: Any) -> Callable[[], tuple[str, float | None]]:
    """Fetch a fresh access token from google-auth credentials (a service account, ADC),
    over an httpx client that lives only as long as the refresh."""

    def fetch() -> tuple[str, float | None]:
        from google.auth.exceptions import RefreshError

        try:
            with httpx.Client(timeout=30) as http:
                credentials.refresh(_Transport(http))
        except RefreshError as exc:  # revoked, expired ADC, a deleted key ...
            raise ConfigurationError(f"Google Cloud credentials could not be refreshed "
                                     f"({exc}): {LOGIN_HINT}", provider="vertexai") from None
        expiry = credentials.expiry  # naive UTC, or None for a token that never expires
        return str(credentials.token), \
            expiry.replace(tzinfo=UTC).timestamp() if expiry else None
    return fetch


def credential_secrets(credentials: Any) -> list[str | None]:
    """What google-auth credentials hold that must never be shown: a user's refresh token
    and client secret, a service account's key id (its private key is registered from the
    key file)."""
    return [getattr(credentials, name, None) for name in
            ("token", "refresh_token", "client_secret", "private_key_id",
             "_private_key_id")]


class _Prediction(msgspec.Struct):
    embeddings: dict[str, Any]


class _Predictions(msgspec.Struct):
    predictions: list[_Prediction]


class MistralBody(OpenAICompatible):
    """Mistral's chat dialect (OpenAI-shaped) as Vertex's rawPredict carries it; used only
    to build bodies and decode answers, never to send."""

    name = "vertexai"
    requires_key = False
    tool_choice_required = "any"  # Mistral's spelling
    stream_usage = False  # usage arrives on the last chunk without stream_options

    def chat_body(self, request: ChatRequest) -> dict[str, Any]:
        body = super().chat_body(request)
        if "seed" in body:
            body["random_seed"] = body.pop("seed")
        return body


class VertexAI(gemini.GeminiContent):
    name = "vertexai"
    label = "Google Vertex AI"
    aliases = ("vertex",)
    docs_url = "https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest"
    requires_key = False
    api_key_env = ("VERTEX_API_KEY",)  # express mode keys; usually ADC instead
    auth_header = "x-goog-api-key"  # a key goes in a header, never in the URL
    auth_scheme = None
    option_env = {"project": ("GOOGLE_CLOUD_PROJECT", "GCLOUD_PROJECT"),
                  "location": ("GOOGLE_CLOUD_LOCATION", "GOOGLE_CLOUD_REGION"),
                  "credentials_file": ("GOOGLE_APPLICATION_CREDENTIALS",)}
    settings = ("credentials", "api_version")  # google-auth Credentials; v1 or v1beta1
    max_embed_batch = 250

    def configure(self) -> None:
        self._credentials = self.options.pop("credentials", None)
        self._mistral = MistralBody(env={})
        express = self._api_key is not None and not self.options.get("project")
        location = self.options.setdefault("location", "global" if express else "us-central1")
        if not self.base_url:
            host = "aiplatform.googleapis.com" if location == "global" \
                else f"{location}-aiplatform.googleapis.com"
            self.base_url = f"https://{host}"

    def missing_settings(self) -> str | None:
        """A project (with Google credentials, resolved on first use), or an express-mode
        key alone."""
        if self.options.get("project") or self._api_key is not None:
            return None
        return "set GOOGLE_CLOUD_PROJECT (or VERTEX_API_KEY)"

    def check_request(self) -> CheckRequest:
        """Vertex lists no models per project; counting tokens is free and needs the same
        credentials and project permission as a prediction."""
        return CheckRequest()

    def encode_check(self, request: CheckRequest) -> httpx.Request:
        body = {"contents": [{"role": "user", "parts": [{"text": "ping"}]}]}
        return self.json_request("POST", f"{self.model_path(CHECK_MODEL)}:countTokens", body,
                                 request.headers)

    def decode_check(self, request: CheckRequest, response: httpx.Response) -> None:
        return None

    def auth(self) -> httpx.Auth:
        if self._api_key is not None:
            return super().auth()
        if self._auth is not None:
            return self._auth
        credentials = self._credentials
        if credentials is None:
            credentials = self._load_credentials()
        self.register_secret(*[v for v in credential_secrets(credentials)
                               if isinstance(v, str)])
        signer = TokenAuth(google_token(credentials), self.register_secret,
                           margin=REFRESH_MARGIN, name="google")
        self._auth = signer
        return signer

    def _load_credentials(self) -> Any:
        with requires(GOOGLE_AUTH, "Vertex AI's Google credentials"):
            import google.auth
            from google.auth.exceptions import DefaultCredentialsError
            from google.oauth2 import service_account

        path = self.options.get("credentials_file")
        if path:
            try:
                with open(path, encoding="utf-8") as file:
                    info = json.load(file)
                if isinstance(info, dict):  # its key must never be shown, even in an error
                    self.register_secret(info.get("private_key"), info.get("private_key_id"))
                return service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
                    info, scopes=[SCOPE])
            except (OSError, ValueError, AttributeError) as exc:
                raise ConfigurationError(
                    f"The service-account file {path!r} (GOOGLE_APPLICATION_CREDENTIALS) could "
                    f"not be used: {exc}", provider=self.name,
                    env_var="GOOGLE_APPLICATION_CREDENTIALS") from None
        try:
            credentials, _project = google.auth.default(scopes=[SCOPE])
        except DefaultCredentialsError:
            raise ConfigurationError(f"No Google Cloud credentials: {LOGIN_HINT}.",
                                     provider=self.name,
                                     env_var="GOOGLE_APPLICATION_CREDENTIALS") from None
        return credentials

    def model_path(self, model: str, publisher: str | None = None) -> str:
        """The model's resource path; express mode (a key, no project) has no project part."""
        version = self.options.get("api_version", "v1")
        resource = f"publishers/{publisher or publisher_of(model)}/models/{model}"
        project = self.options.get("project")
        if project:
            return f"/{version}/projects/{project}/locations/{self.options['location']}/{resource}"
        if self._api_key is not None:
            return f"/{version}/{resource}"
        raise ConfigurationError("No Google Cloud project for Vertex AI: set "
                                 "GOOGLE_CLOUD_PROJECT (or pass project=...).",
                                 provider=self.name, env_var="GOOGLE_CLOUD_PROJECT")

    def encode_chat(self, request: ChatRequest) -> httpx.Request:
        publisher = publisher_of(request.model)
        if publisher == "anthropic":
            body = anthropic.messages_body(request)
            del body["model"]  # the model is in the URL
            body["anthropic_version"] = ANTHROPIC_VERSION
        elif publisher == "mistralai":
            body = self._mistral.chat_body(request)
        elif publisher == "google":
            return super().encode_chat(request)
        else:
            raise self._unsupported(f"{publisher} models (only Gemini, Claude and Mistral)")
        method = "streamRawPredict" if request.stream else "rawPredict"
        headers = {**request.headers, **({"accept": "text/event-stream"} if request.stream
                                         else {})}
        return self.json_request("POST", f"{self.model_path(request.model)}:{method}", body,
                                 headers)

    def decode_chat(self, request: ChatRequest, response: httpx.Response) -> ChatResponse:
        publisher = publisher_of(request.model)
        if publisher == "anthropic":
            return anthropic.decode_message(self.name, request, response.content)
        if publisher == "mistralai":
            return self._mistral.decode_chat(request, response)
        return super().decode_chat(request, response)

    def stream_decoder(self, request: ChatRequest) -> StreamDecoder:
        publisher = publisher_of(request.model)
        if publisher == "anthropic":
            return anthropic.AnthropicStream(self.name, request)
        if publisher == "mistralai":
            return self._mistral.stream_decoder(request)
        return super().stream_decoder(request)

    def map_error(self, response: httpx.Response) -> APIStatusError:
        return gemini.map_error(self.name, response.status_code, response.headers,
                                response.content)

    def encode_embed(self, request: EmbedRequest) -> httpx.Request:
        instances: list[dict[str, Any]] = []
        for text in request.inputs:
            item: dict[str, Any] = {"content": text}
            if request.input_type:
                item["task_type"] = TASK_TYPES[request.input_type]
            instances.append(item)
        body: dict[str, Any] = {"instances": instances}
        if request.dimensions is not None:
            body["parameters"] = {"outputDimensionality": request.dimensions}
        body.update(request.provider_options)
        return self.json_request("POST", f"{self.model_path(request.model)}:predict", body,
                                 request.headers)

    def decode_embed(self, request: EmbedRequest, response: httpx.Response) -> EmbeddingResponse:
        wire = msgspec.json.decode(response.content, type=_Predictions)
        tokens = sum(int(p.embeddings.get("statistics", {}).get("token_count", 0))
                     for p in wire.predictions)
        return EmbeddingResponse(provider=self.name, model=request.model, usage=Usage(tokens),
                                 embeddings=[Embedding(i, p.embeddings["values"])
                                             for i, p in enumerate(wire.predictions)])


def publisher_of(model: str) -> str:
    """Vertex publishes partner models under their maker's name."""
    if model.startswith("claude"):
        return "anthropic"
    if model.startswith(("mistral", "codestral", "ministral")):
        return "mistralai"
    if model.startswith(("llama", "meta")):
        return "meta"
    return "google"


@hookimpl
def fluentai_providers() -> list[type[Provider]]:
    return [VertexAI]
