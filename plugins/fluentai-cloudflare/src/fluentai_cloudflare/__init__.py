"""Cloudflare Workers AI: the OpenAI-compatible endpoint, whose URL contains the account id
(``/client/v4/accounts/{account_id}/ai/v1``). Both the API token and the account id are
required; the account id comes from ``account_id=...`` or CLOUDFLARE_ACCOUNT_ID.

Docs followed: https://developers.cloudflare.com/workers-ai/configuration/open-ai-compatibility/
"""

from __future__ import annotations

import httpx
import msgspec

from fluentai import ModelInfo, ModelPage, OpenAICompatible, hookimpl
from fluentai.errors import ConfigurationError
from fluentai.request import ListModelsRequest

__version__ = "0.1.0"


class _Model(msgspec.Struct):
    name: str


class _ResultInfo(msgspec.Struct):
    total_count: int | None = None


class _Search(msgspec.Struct):
    result: list[_Model] = []
    result_info: _ResultInfo | None = None


class Cloudflare(OpenAICompatible):
    name = "cloudflare"
    label = "Cloudflare Workers AI"
    aliases = ("workers-ai",)
    docs_url = "https://developers.cloudflare.com/workers-ai/configuration/open-ai-compatibility/"
    base_url = "https://api.cloudflare.com/client/v4/accounts/{account_id}/ai/v1"
    api_key_env = ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY")
    option_env = {"account_id": ("CLOUDFLARE_ACCOUNT_ID",)}
    supports_embeddings = True
    lists_models = True  # the account's model catalogue (GET .../ai/models/search)
    models_per_page = 100

    def missing_settings(self) -> str | None:
        if self.options.get("account_id") or "{account_id}" not in self.base_url:
            return None
        return "set CLOUDFLARE_ACCOUNT_ID"

    def encode_list_models(self, request: ListModelsRequest) -> httpx.Request:
        """Workers AI's own listing, beside the OpenAI-compatible ``/ai/v1``."""
        base = self.url("").removesuffix("/v1")
        params = {"per_page": str(self.models_per_page), "page": request.page_token or "1"}
        return httpx.Request("GET", f"{base}/models/search", params=params,
                             headers={"accept": "application/json", **request.headers})

    def decode_list_models(self, request: ListModelsRequest,
                           response: httpx.Response) -> ModelPage:
        wire = msgspec.json.decode(response.content, type=_Search)
        page = int(request.page_token or "1")
        info = wire.result_info
        more = info is not None and info.total_count is not None and \
            page * self.models_per_page < info.total_count
        return ModelPage([ModelInfo(id=m.name, provider=self.name, live=True)
                          for m in wire.result], str(page + 1) if more else None)

    def url(self, path: str) -> str:
        if "{account_id}" in self.base_url:
            account = self.options.get("account_id")
            if not account:
                raise ConfigurationError(
                    "No Cloudflare account id: set the environment variable "
                    "CLOUDFLARE_ACCOUNT_ID (or pass account_id=...); it is part of the URL.",
                    provider=self.name, env_var="CLOUDFLARE_ACCOUNT_ID")
            return self.base_url.replace("{account_id}", account) + path
        return self.base_url + path


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [Cloudflare]
