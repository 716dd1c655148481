"""Cloudflare Workers AI against a real local server: the account id in the URL, both
settings required (no Cloudflare recording exists in the shared fixtures: the body is a
recorded OpenAI-compatible answer)."""

from __future__ import annotations

import pytest

import fluentai
from fluentai.errors import ConfigurationError
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings
from fluentai.testing.conformance import ProviderSuite

RECORDED = recordings(__file__) / "huggingface" / "test_request_simple_usage.yaml"


class TestCloudflareConformance(ProviderSuite):
    provider = "cloudflare"
    capabilities = {"chat", "stream", "tools", "embeddings"}
    settings = {"account_id": "acc123"}


def test_account_id_is_part_of_the_url() -> None:
    it = load_cassette(RECORDED)[0]
    with ReplayServer([Reply(200, it.response_body, headers=it.response_headers)]) as server:
        base = server.url + "/client/v4/accounts/{account_id}/ai/v1"
        client = fluentai.Client(env={"CLOUDFLARE_API_TOKEN": "cf-token",
                                      "CLOUDFLARE_ACCOUNT_ID": "acc123"},
                                 providers={"cloudflare": {"base_url": base}})
        r = client.chat("cloudflare/@cf/meta/llama-3.3-70b-instruct-fp8-fast", "Hello")
        sent = server.requests[0]
    assert sent.path == "/client/v4/accounts/acc123/ai/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer cf-token"
    assert sent.json["model"] == "@cf/meta/llama-3.3-70b-instruct-fp8-fast"
    assert r.usage.output_tokens == 258


def test_missing_account_id_is_named() -> None:
    client = fluentai.Client(env={"CLOUDFLARE_API_TOKEN": "cf-token"})
    assert client.provider("cloudflare").missing_configuration() == \
        "set CLOUDFLARE_ACCOUNT_ID"
    with pytest.raises(ConfigurationError, match="CLOUDFLARE_ACCOUNT_ID"):
        client.chat("cloudflare/@cf/meta/llama-3.1-8b-instruct", "hi")


def test_check_lists_the_accounts_models() -> None:
    """No recording of Workers AI's model search exists in the shared set: the body follows
    the API reference's response (``result`` and ``result_info``), trimmed to one model."""
    body = {"success": True, "errors": [], "messages": [],
            "result": [{"id": "f0b7bd7e-0b6f-4d3c-9b1e-5a3c1b2d7e61",
                        "name": "@cf/meta/llama-3.1-8b-instruct",
                        "description": "Multilingual instruction-tuned text model.",
                        "task": {"id": "c329a1f9-323d-4e91-b2aa-582dd4188d34",
                                 "name": "Text Generation"}}],
            "result_info": {"count": 1, "page": 1, "per_page": 100, "total_count": 1}}
    with ReplayServer([Reply(200, body, path="/client/v4/accounts/acc123/ai/models/search")]
                      ) as server:
        base = server.url + "/client/v4/accounts/{account_id}/ai/v1"
        client = fluentai.Client(env={"CLOUDFLARE_API_TOKEN": "cf-token",
                                      "CLOUDFLARE_ACCOUNT_ID": "acc123"},
                                 providers={"cloudflare": {"base_url": base}})
        result = client.check("cloudflare")
        sent = server.requests[0]
    assert result.ok and result.models == 1, result
    assert sent.query == "per_page=100&page=1"
    assert sent.headers["authorization"] == "Bearer cf-token"


def test_check_without_the_account_id_names_it() -> None:
    result = fluentai.Client(env={"CLOUDFLARE_API_TOKEN": "cf-token"}).check("cloudflare")
    assert result.problem == "not configured: set CLOUDFLARE_ACCOUNT_ID"
