"""Live model listings that page (Gemini, Cohere, Anthropic) are followed to the end.

The shared fixtures hold no recorded model listing for these providers, so the pages are
written in the shape of each provider's API reference (Gemini models.list: ``pageToken`` /
``nextPageToken``; Cohere /v1/models: ``page_token`` / ``next_page_token``; Anthropic
/v1/models: ``after_id`` / ``has_more`` + ``last_id``), two models per page.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import fluentai
from fluentai.testing import ReplayServer, Reply

PAGES: dict[str, tuple[str, str, list[dict[str, Any]]]] = {
    # provider: (path of the base URL, the query parameter carrying the token, pages)
    "gemini": ("/v1beta", "pageToken", [
        {"models": [{"name": "models/gemini-2.5-flash", "displayName": "Gemini 2.5 Flash",
                     "inputTokenLimit": 1048576, "outputTokenLimit": 65536},
                    {"name": "models/gemini-2.5-pro", "displayName": "Gemini 2.5 Pro"}],
         "nextPageToken": "page-2"},
        {"models": [{"name": "models/text-embedding-004"},
                    {"name": "models/gemini-2.0-flash"}]}]),
    "cohere": ("", "page_token", [
        {"models": [{"name": "command-a-03-2025", "endpoints": ["chat"],
                     "context_length": 256000},
                    {"name": "command-r7b-12-2024", "endpoints": ["chat"]}],
         "next_page_token": "page-2"},
        {"models": [{"name": "embed-v4.0", "endpoints": ["embed"]},
                    {"name": "rerank-v3.5", "endpoints": ["rerank"]}],
         "next_page_token": None}]),
    "anthropic": ("/v1", "after_id", [
        {"data": [{"type": "model", "id": "claude-sonnet-4-5",
                   "display_name": "Claude Sonnet 4.5", "created_at": "2025-09-29T00:00:00Z"},
                  {"type": "model", "id": "claude-opus-4-1", "display_name": "Claude Opus 4.1",
                   "created_at": "2025-08-05T00:00:00Z"}],
         "has_more": True, "first_id": "claude-sonnet-4-5", "last_id": "page-2"},
        {"data": [{"type": "model", "id": "claude-haiku-4-5", "display_name": "Haiku 4.5",
                   "created_at": "2025-10-01T00:00:00Z"},
                  {"type": "model", "id": "claude-3-5-haiku-20241022",
                   "display_name": "Claude Haiku 3.5", "created_at": "2024-10-22T00:00:00Z"}],
         "has_more": False, "first_id": "claude-haiku-4-5",
         "last_id": "claude-3-5-haiku-20241022"}]),
}


def live_ids(models: list[fluentai.ModelInfo]) -> list[str]:
    return [m.id for m in models if m.live]


@pytest.mark.parametrize("provider", sorted(PAGES))
def test_every_page_is_listed(provider: str) -> None:
    pytest.importorskip(f"fluentai_{provider}")
    base, param, pages = PAGES[provider]
    with ReplayServer([Reply(200, page) for page in pages]) as server:
        client = fluentai.Client(providers={provider: {"api_key": "key-paging-1234",
                                                       "base_url": server.url + base}})
        ids = live_ids(client.models(provider))

        async def run() -> list[fluentai.ModelInfo]:
            server.add(*[Reply(200, page) for page in pages])
            async with fluentai.AsyncClient(providers={provider: {
                    "api_key": "key-paging-1234", "base_url": server.url + base}}) as c:
                return await c.models(provider)

        assert live_ids(asyncio.run(run())) == ids
        sent = [r.query for r in server.requests]
    assert len(ids) == 4 and len(set(ids)) == 4
    assert param not in sent[0] and f"{param}=page-2" in sent[1]
    assert sent[2:] == sent[:2]
