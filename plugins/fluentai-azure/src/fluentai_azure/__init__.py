"""Azure OpenAI: deployments (``{endpoint}/openai/deployments/{deployment}/...?api-version=``)
and the v1 API (``{endpoint}/openai/v1/...``), with an ``api-key`` or Microsoft Entra ID.

``azure/<deployment>`` names the deployment. Entra ID: pass ``credential=`` any object with
``get_token(scope)`` (an azure-identity TokenCredential), or install the ``entra`` extra and
set no key to use ``DefaultAzureCredential`` (environment, managed identity, Azure CLI...).
Tokens are cached and refreshed five minutes before they expire, once for all concurrent
requests and off the event loop of an AsyncClient (core's TokenAuth); a request already
sent keeps the token it was signed with; every token is registered for scrubbing.
Content-filter results map to a ``content_filter`` finish or ContentFilterError (core).
Docs followed: https://learn.microsoft.com/azure/ai-foundry/openai/reference
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import httpx

from fluentai import OpenAICompatible, Provider, hookimpl
from fluentai.credentials import TokenAuth
from fluentai.errors import ConfigurationError
from fluentai.request import CheckRequest, ListModelsRequest

__version__ = "0.1.0"

SCOPE = "https://cognitiveservices.azure.com/.default"
DEFAULT_API_VERSION = "2024-12-01-preview"
REFRESH_MARGIN = 300.0  # seconds before expiry


def entra_token(credential: Any, scope: str = SCOPE) -> Callable[[], tuple[str, float]]:
    """Fetch an access token from a TokenCredential (azure-identity's, or any object with
    ``get_token(scope)``)."""

    def fetch() -> tuple[str, float]:
        access = credential.get_token(scope)
        return access.token, float(access.expires_on)
    return fetch


class Azure(OpenAICompatible):
    name = "azure"
    label = "Azure OpenAI"
    aliases = ("azure-openai",)
    docs_url = "https://learn.microsoft.com/azure/ai-foundry/openai/reference"
    base_url_env = ("AZURE_OPENAI_ENDPOINT",)
    api_key_env = ("AZURE_OPENAI_API_KEY",)
    option_env = {"api_version": ("AZURE_OPENAI_API_VERSION", "OPENAI_API_VERSION")}
    auth_header = "api-key"
    auth_scheme = None
    requires_key = False  # Entra ID needs none
    settings = ("credential",)  # an azure-identity TokenCredential (anything with get_token)
    supports_embeddings = True
    supports_transcription = True
    lists_models = True  # the resource's models (GET /openai/models): check verifies with it

    def configure(self) -> None:
        self._entra: TokenAuth | None = None
        credential = self.options.pop("credential", None)
        if credential is not None:
            self._entra = self._entra_auth(credential)

    def _entra_auth(self, credential: Any) -> TokenAuth:
        return TokenAuth(entra_token(credential), self.register_secret, margin=REFRESH_MARGIN,
                         name="entra")

    def missing_settings(self) -> str | None:
        return None if self.base_url else "set AZURE_OPENAI_ENDPOINT"

    def missing_credentials(self) -> str | None:
        if self._api_key is not None or self._entra is not None \
                or _azure_identity_available():
            return None
        return "set AZURE_OPENAI_API_KEY (or pip install 'fluentai-azure[entra]' for Entra ID)"

    def auth(self) -> httpx.Auth:
        if self._api_key is not None:
            return super().auth()
        if self._entra is None:
            try:
                from azure.identity import DefaultAzureCredential
            except ImportError:
                raise ConfigurationError(
                    "No Azure OpenAI credentials: set AZURE_OPENAI_API_KEY, pass credential=..., "
                    "or pip install 'fluentai-azure[entra]' for Microsoft Entra ID.",
                    provider=self.name, env_var="AZURE_OPENAI_API_KEY") from None
            self.register_secret(os.environ.get("AZURE_CLIENT_SECRET"))  # its env secret
            self._entra = self._entra_auth(DefaultAzureCredential())
        return self._entra

    def url(self, path: str) -> str:
        if not self.base_url:
            raise ConfigurationError("No Azure OpenAI endpoint: set AZURE_OPENAI_ENDPOINT "
                                     "(https://<resource>.openai.azure.com).",
                                     provider=self.name, env_var="AZURE_OPENAI_ENDPOINT")
        return self.base_url + path

    def encode(self, request: Any) -> httpx.Request:
        http = super().encode(request)
        version = self.options.get("api_version", DEFAULT_API_VERSION)
        tail = http.url.path[len(httpx.URL(self.base_url).path.rstrip("/")):]
        if version == "v1":
            url = f"{self.base_url}/openai/v1{tail}"
            params: dict[str, str] = {}
        elif isinstance(request, (ListModelsRequest, CheckRequest)):  # of the resource
            url = f"{self.base_url}/openai{tail}"
            params = {"api-version": version}
        else:
            url = f"{self.base_url}/openai/deployments/{request.model}{tail}"
            params = {"api-version": version}
        return httpx.Request(http.method, httpx.URL(url, params=params), headers=http.headers,
                             content=http.read())


def _azure_identity_available() -> bool:
    from importlib.util import find_spec

    try:
        return find_spec("azure.identity") is not None
    except ModuleNotFoundError:  # not even the ``azure`` namespace is installed
        return False


@hookimpl
def fluentai_providers() -> list[type[Provider]]:
    return [Azure]
