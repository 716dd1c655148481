"""Jina AI: embeddings (task types, dimensions, late chunking, embedding types) and the
reranker.

``input_type`` maps to Jina's ``task`` (query -> retrieval.query, document ->
retrieval.passage); other tasks (text-matching, classification, separation, code.*) and
``late_chunking`` go through ``provider_options``.
Docs followed: https://jina.ai/embeddings/ and https://jina.ai/reranker/ (API reference)
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

TASKS = {"query": "retrieval.query", "document": "retrieval.passage"}


class _Document(msgspec.Struct):
    text: str | None = None


class _Ranked(msgspec.Struct):
    index: int
    relevance_score: float
    document: _Document | str | None = None


class _Usage(msgspec.Struct):
    total_tokens: int = 0


class _Reranked(msgspec.Struct):
    results: list[_Ranked]
    model: str | None = None
    usage: _Usage | None = None


class Jina(Provider):
    name = "jina"
    label = "Jina AI"
    docs_url = "https://jina.ai/embeddings/"
    base_url = "https://api.jina.ai/v1"
    api_key_env = ("JINA_API_KEY",)
    max_embed_batch = 2048  # inputs per request

    def encode_embed(self, request: EmbedRequest) -> httpx.Request:
        body: dict[str, Any] = {"model": request.model, "input": request.inputs}
        if request.input_type:
            body["task"] = TASKS[request.input_type]
        if request.dimensions is not None:
            body["dimensions"] = request.dimensions
        body["embedding_type"] = "base64" if request.dtype in (None, "float", "base64") \
            else request.dtype
        body.update(request.provider_options)
        return self.json_request("POST", "/embeddings", body, request.headers)

    def decode_embed(self, request: EmbedRequest, response: httpx.Response) -> EmbeddingResponse:
        return decode_embedding_list(self.name, request, response.content)

    def encode_rerank(self, request: RerankRequest) -> httpx.Request:
        body: dict[str, Any] = {"model": request.model, "query": request.query,
                                "documents": request.documents, "return_documents": False}
        if request.top_n is not None:
            body["top_n"] = request.top_n
        body.update(request.provider_options)
        return self.json_request("POST", "/rerank", body, request.headers)

    def decode_rerank(self, request: RerankRequest, response: httpx.Response) -> RerankResponse:
        wire = msgspec.json.decode(response.content, type=_Reranked)
        results = []
        for r in wire.results:
            doc = r.document.text if isinstance(r.document, _Document) else r.document
            results.append(RerankResult(r.index, r.relevance_score, doc))
        return RerankResponse(provider=self.name, model=wire.model or request.model,
                              results=results,
                              usage=Usage(wire.usage.total_tokens if wire.usage else 0))


@hookimpl
def fluentai_providers() -> list[type[Provider]]:
    return [Jina]
