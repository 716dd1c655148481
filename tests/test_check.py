"""`check` tells the truth: "ok" means one authenticated request with these credentials
succeeded against a real local server; otherwise it says what to do, or that nothing can
verify the credentials and why. Sync and async alike."""

from __future__ import annotations

import asyncio
from importlib.metadata import entry_points
from typing import Any

import pytest

import fluentai
from fluentai.plugins import Registry
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings

LISTING = recordings(__file__) / "github" / "chatlas__test_github_list_models.yaml"
needs_override = pytest.mark.skipif(
    "vault-auth" not in {ep.name for ep in entry_points(group="fluentai.providers")},
    reason="install tests/packages/* (the nox tests session does)")


def check(provider: str, asynchronous: bool, **kwargs: Any) -> fluentai.CheckResult:
    if not asynchronous:
        return fluentai.Client(**kwargs).check(provider)

    async def run() -> fluentai.CheckResult:
        async with fluentai.AsyncClient(**kwargs) as client:
            return await client.check(provider)

    return asyncio.run(run())


@pytest.mark.parametrize("asynchronous", [False, True])
def test_ok_means_the_listing_answered_to_this_key(asynchronous: bool) -> None:
    [it] = load_cassette(LISTING)
    with ReplayServer.from_cassette([it]) as server:
        result = check("github", asynchronous, env={"GITHUB_TOKEN": "ghp-check-1234"},
                       providers={"github": {"base_url": server.url + "/inference"}})
        sent = server.requests
    assert result.ok and result.verified and result.configured and result.problem is None
    assert result.models == len(it.response_json) and result.latency_ms is not None
    assert len(sent) == 1 and sent[0].path == "/catalog/models"
    assert sent[0].headers["authorization"] == "Bearer ghp-check-1234"


@pytest.mark.parametrize("asynchronous", [False, True])
def test_a_rejected_key_is_not_ok_and_says_so(asynchronous: bool) -> None:
    body = {"error": {"code": "unauthorized", "message": "Bad credentials"}}
    with ReplayServer([Reply(401, body)]) as server:
        result = check("github", asynchronous, env={"GITHUB_TOKEN": "ghp-revoked-1234"},
                       providers={"github": {"base_url": server.url + "/inference"}})
        assert len(server.requests) == 1  # one request: no retry on a check
    assert not result.ok and not result.verified and result.configured
    assert result.error == "AuthenticationError" and "Bad credentials" in (result.problem or "")
    assert "ghp-revoked-1234" not in (result.problem or "")


@pytest.mark.parametrize("asynchronous", [False, True])
def test_without_a_key_it_names_the_variable_and_sends_nothing(asynchronous: bool) -> None:
    with ReplayServer([]) as server:
        result = check("github", asynchronous, env={},
                       providers={"github": {"base_url": server.url}})
        assert server.requests == []
    assert result.problem == "not configured: set GITHUB_TOKEN or GH_TOKEN"
    assert not result.ok and not result.configured and result.error == "ConfigurationError"


@pytest.mark.parametrize("asynchronous", [False, True])
def test_a_provider_with_nothing_to_verify_with_says_configured_not_verified(
        asynchronous: bool) -> None:
    with ReplayServer([]) as server:
        result = check("perplexity", asynchronous, env={"PERPLEXITY_API_KEY": "pplx-123"},
                       providers={"perplexity": {"base_url": server.url}})
        assert server.requests == []
    assert not result.ok and result.configured and not result.verified
    assert result.problem is not None
    assert result.problem.startswith("configured, not verified: Perplexity has no model "
                                     "listing")


@needs_override
@pytest.mark.parametrize("asynchronous", [False, True])
def test_a_third_party_auth_override_is_honoured(asynchronous: bool,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The vault plugin (tests/packages/fluentai-test-override) authorizes openai: no
    OPENAI_API_KEY is needed, as for chat. No recording of OpenAI's /v1/models exists in
    the shared set: the reply is its documented empty list."""
    monkeypatch.setenv("VAULT_TOKEN", "from-the-vault")
    with ReplayServer([Reply(200, {"object": "list", "data": []}, path="/v1/models")]) as srv:
        result = check("openai", asynchronous, env={}, registry=Registry(),
                       providers={"openai": {"base_url": srv.url + "/v1"}})
        sent = srv.requests
    assert result.ok and result.verified, result
    assert sent[0].headers["authorization"] == "Vault from-the-vault"


@needs_override
def test_the_override_also_counts_as_configured_for_listings(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VAULT_TOKEN", "from-the-vault")
    client = fluentai.Client(env={}, registry=Registry())
    assert client._core.missing(client.provider("openai")) is None
    assert client.provider("openai").missing_configuration() == "set OPENAI_API_KEY"
    monkeypatch.delenv("VAULT_TOKEN")
    assert client._core.missing(client.provider("openai")) == "set OPENAI_API_KEY"
