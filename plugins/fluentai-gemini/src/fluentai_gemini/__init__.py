"""Google's Gemini API (Generative Language API): generateContent and
streamGenerateContent?alt=sse, system instructions, function calling (including arguments
streamed by Gemini 3), thoughts and thought signatures, safety blocks as a content-filter
finish, usage with thoughts tokens, batchEmbedContents, model listing.

The key goes in the ``x-goog-api-key`` header, never in the URL where logs would keep it.
The wire format lives in ``fluentai.wire.gemini`` so Vertex AI reuses it.
Docs followed: https://ai.google.dev/api/generate-content
"""

from __future__ import annotations

import httpx
import msgspec

from fluentai import ModelInfo, Provider, hookimpl
from fluentai.request import ListModelsRequest
from fluentai.types import ModelPage
from fluentai.wire.gemini import GeminiContent

__version__ = "0.1.0"


class _Model(msgspec.Struct):
    name: str
    displayName: str | None = None
    inputTokenLimit: int | None = None
    outputTokenLimit: int | None = None


class _ModelPage(msgspec.Struct):
    models: list[_Model] = []
    nextPageToken: str | None = None


class Gemini(GeminiContent):
    name = "gemini"
    label = "Google Gemini"
    aliases = ("google",)
    docs_url = "https://ai.google.dev/api/generate-content"
    base_url = "https://generativelanguage.googleapis.com/v1beta"
    api_key_env = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    auth_header = "x-goog-api-key"
    auth_scheme = None
    lists_models = True
    max_embed_batch = 100  # batchEmbedContents takes at most 100 requests

    def encode_list_models(self, request: ListModelsRequest) -> httpx.Request:
        params = {"pageSize": "1000"}
        if request.page_token:
            params["pageToken"] = request.page_token
        return httpx.Request("GET", self.url("/models"), params=params, headers=request.headers)

    def decode_list_models(self, request: ListModelsRequest,
                           response: httpx.Response) -> ModelPage:
        page = msgspec.json.decode(response.content, type=_ModelPage)
        return ModelPage([ModelInfo(id=m.name.removeprefix("models/"), provider=self.name,
                                    name=m.displayName, context_window=m.inputTokenLimit,
                                    max_output=m.outputTokenLimit, live=True)
                          for m in page.models], page.nextPageToken)


@hookimpl
def fluentai_providers() -> list[type[Provider]]:
    return [Gemini]
