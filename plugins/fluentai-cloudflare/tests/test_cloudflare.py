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
