"""Perplexity against a real local server replaying recorded Perplexity traffic."""

from __future__ import annotations

import json

import fluentai
from fluentai.events import CitationEvent
from fluentai.testing import ReplayServer, load_cassette, recordings
from fluentai.testing.conformance import Case, ProviderSuite

URL = "https://api.perplexity.ai/chat/completions"
FIX = recordings(__file__) / "perplexity"


class TestPerplexityConformance(ProviderSuite):
    provider = "perplexity"
    capabilities = {"chat", "stream", "json"}
    cases = {
        "chat": Case(recording="perplexity/perplexity-text.json", url=URL, model="sonar",
                     expect_usage=(11, 392), expect_finish="stop"),
        "stream": Case(recording="perplexity/perplexity-text.chunks.txt", url=URL,
                       stream=True, model="sonar", expect_text="**EcoVista Day**[1][5]",
                       expect_usage=(11, 434), expect_finish="stop"),
    }


def _client(server: ReplayServer) -> fluentai.Client:
    return fluentai.Client(providers={"perplexity": {"api_key": "pplx-k",
                                                     "base_url": server.url}})


def test_search_results_become_citations() -> None:
    [it] = load_cassette(FIX / "perplexity-text.json", url=URL)
    recorded = json.loads(it.response_body)
    with ReplayServer.from_cassette([it]) as server:
        r = _client(server).chat("perplexity/sonar", "Invent a new holiday")
    assert r.text == recorded["choices"][0]["message"]["content"]
    results = recorded.get("search_results") or [{"url": u} for u in recorded["citations"]]
    assert [c.url for c in r.citations] == [x["url"] for x in results]


def test_streamed_citations_are_reported_once() -> None:
    [it] = load_cassette(FIX / "perplexity-text.chunks.txt", url=URL)
    first = json.loads(it.response_body.split(b"\n")[0][6:])
    with ReplayServer.from_cassette([it]) as server:
        stream = _client(server).stream("perplexity/sonar", "Invent a new holiday")
        events = list(stream)
    cited = [ev.citation.url for ev in events if isinstance(ev, CitationEvent)]
    assert cited == first["citations"]
    assert stream.response is not None
    assert [c.url for c in stream.response.citations] == first["citations"]


def test_pplx_api_key_is_accepted() -> None:
    provider = fluentai.Client(env={"PPLX_API_KEY": "pplx-env"}).provider("perplexity")
    assert provider.configured and provider.api_key.get() == "pplx-env"
