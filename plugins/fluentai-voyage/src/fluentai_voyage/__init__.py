"""Voyage AI: embeddings (input_type, output_dimension, output_dtype, truncation) and rerank.

Float vectors travel base64-packed (a quarter of the JSON size) and are unpacked by core;
integer and binary dtypes come as JSON lists.
Docs followed: https://docs.voyageai.com/reference/embeddings-api
"""

from __future__ import annotations

from typing import Any

import httpx
import msgspec

from fluentai import EmbeddingResponse, Provider, RerankResponse, RerankResult, hookimpl
from fluentai.request import EmbedRequest, RerankRequest
from fluentai.types import Usage
from fluentai.wire.openai import decode_embedding_list

__version__ = "0.1.0"


class _Ranked(msgspec.Struct):
    index: int
    relevance_score: float
    document: str | None = None


class _Usage(msgspec.Struct):
    total_tokens: int = 0


class _Reranked(msgspec.Struct):
    data: list[_Ranked]
    model: str | None = None
    usage: _Usage | None = None


class Voyage(Provider):
    name = "voyage"
    label = "Voyage AI"
    aliases = ("voyageai",)
    docs_url = "https://docs.voyageai.com/reference/embeddings-api"
    base_url = "https://api.voyageai.com/v1"
    api_key_env = ("VOYAGE_API_KEY",)
    max_embed_batch = 1000  # inputs per request (the token limit per request also applies)

    def encode_embed(self, request: EmbedRequest) -> httpx.Request:
        packed = request.dtype in (None, "float", "base64")
        body: dict[str, Any] = {
            "input": request.inputs, "input_type": request.input_type, "model": request.model,
            "output_dimension": request.dimensions,
            "output_dtype": None if packed else request.dtype,
        }
        if packed:
            body["encoding_format"] = "base64"
        body.update(request.provider_options)
        return self.json_request("POST", "/embeddings", body, request.headers)

    def decode_embed(self, request: EmbedRequest, response: httpx.Response) -> EmbeddingResponse:
        return decode_embedding_list(self.name, request, response.content)

    def encode_rerank(self, request: RerankRequest) -> httpx.Request:
        body: dict[str, Any] = {"query": request.query, "documents": request.documents,
                                "model": request.model}
        if request.top_n is not None:
            body["top_k"] = request.top_n
        body.update(request.provider_options)
        return self.json_request("POST", "/rerank", body, request.headers)

    def decode_rerank(self, request: RerankRequest, response: httpx.Response) -> RerankResponse:
        wire = msgspec.json.decode(response.content, type=_Reranked)
        return RerankResponse(
            provider=self.name, model=wire.model or request.model,
            results=[RerankResult(r.index, r.relevance_score, r.document) for r in wire.data],
            usage=Usage(wire.usage.total_tokens if wire.usage else 0))


@hookimpl
def fluentai_providers() -> list[type[Provider]]:
    return [Voyage]
