"""GitHub Models: OpenAI-compatible inference with publisher-prefixed model ids, so users
write ``github/openai/gpt-4.1`` or ``github/meta/Llama-4-Scout-17B-16E-Instruct``.

Auth is a GitHub token (GITHUB_TOKEN, needs the ``models`` scope); the live model listing
comes from the catalog endpoint beside the inference endpoint.

Docs followed: https://docs.github.com/en/rest/models/inference
"""

from __future__ import annotations

import httpx
import msgspec

from fluentai import ModelInfo, OpenAICompatible, hookimpl
from fluentai.request import ListModelsRequest

__version__ = "0.1.0"

_HEADERS = {"accept": "application/vnd.github+json", "x-github-api-version": "2022-11-28"}


class _Limits(msgspec.Struct):
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None


class _CatalogModel(msgspec.Struct):
    id: str
    name: str | None = None
    limits: _Limits | None = None


class GitHubModels(OpenAICompatible):
    name = "github"
    label = "GitHub Models"
    aliases = ("github-models",)
    docs_url = "https://docs.github.com/en/rest/models/inference"
    base_url = "https://models.github.ai/inference"
    api_key_env = ("GITHUB_TOKEN", "GH_TOKEN")
    supports_embeddings = True

    def headers(self) -> dict[str, str]:
        return dict(_HEADERS)

    def encode_list_models(self, request: ListModelsRequest) -> httpx.Request:
        root = self.base_url.removesuffix("/inference")
        return httpx.Request("GET", f"{root}/catalog/models", headers=self.headers())

    def decode_list_models(self, request: ListModelsRequest,
                           response: httpx.Response) -> list[ModelInfo]:
        models = msgspec.json.decode(response.content, type=list[_CatalogModel])
        return [ModelInfo(id=m.id, provider=self.name, name=m.name, live=True,
                          context_window=m.limits.max_input_tokens if m.limits else None,
                          max_output=m.limits.max_output_tokens if m.limits else None)
                for m in models]


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [GitHubModels]
