"""Perplexity (Sonar): OpenAI-compatible chat whose answers cite web sources; the
``citations`` / ``search_results`` fields become ``ChatResponse.citations`` (and one
CitationEvent per source when streaming).

Docs followed: https://docs.perplexity.ai/api-reference/chat-completions-post
"""

from __future__ import annotations

from typing import Any

import httpx
import msgspec

from fluentai import ChatResponse, Citation, OpenAICompatible, hookimpl
from fluentai.events import CitationEvent, StreamEvent
from fluentai.wire.openai import Chunk, Completion, OpenAIChatStream

__version__ = "0.1.0"


class _SearchResult(msgspec.Struct):
    url: str | None = None
    title: str | None = None
    snippet: str | None = None


class _Sources(msgspec.Struct):
    citations: list[str] | None = None
    search_results: list[_SearchResult] | None = None

    def to_citations(self) -> list[Citation]:
        if self.search_results:
            return [Citation(r.url, r.title, r.snippet) for r in self.search_results]
        return [Citation(url) for url in self.citations or ()]


class PerplexityChunk(Chunk):
    citations: list[str] | None = None
    search_results: list[_SearchResult] | None = None


class PerplexityCompletion(Completion):
    citations: list[str] | None = None
    search_results: list[_SearchResult] | None = None


class PerplexityStream(OpenAIChatStream):
    payload_type = PerplexityChunk
    _cited = False

    def chunk_events(self, chunk: Any, out: list[StreamEvent]) -> None:
        if not self._cited and (chunk.citations or chunk.search_results):
            self._cited = True  # every chunk repeats the sources: report them once
            sources = _Sources(chunk.citations, chunk.search_results)
            out.extend(CitationEvent(c) for c in sources.to_citations())


class Perplexity(OpenAICompatible):
    name = "perplexity"
    label = "Perplexity"
    aliases = ("pplx",)
    docs_url = "https://docs.perplexity.ai/api-reference/chat-completions-post"
    base_url = "https://api.perplexity.ai"
    api_key_env = ("PERPLEXITY_API_KEY", "PPLX_API_KEY")
    lists_models = False
    stream_decoder_type = PerplexityStream
    completion_type = PerplexityCompletion

    def response_extras(self, wire: Any, response: httpx.Response,
                        result: ChatResponse) -> None:
        result.citations = _Sources(wire.citations, wire.search_results).to_citations()


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [Perplexity]
