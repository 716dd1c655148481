"""Plugin discovery through entry points: overriding one hook of one provider from another
distribution, broken plugins reported by name, and lazy loading."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points

import pytest

import fluentai
from fluentai.errors import ProviderNotFoundError
from fluentai.plugins import Registry
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings

needs_override = pytest.mark.skipif(
    "vault-auth" not in {ep.name for ep in entry_points(group="fluentai.providers")},
    reason="install tests/packages/* (the nox tests session does)")


@needs_override
def test_third_party_plugin_overrides_auth_of_one_provider(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.setenv("VAULT_TOKEN", "from-the-vault")
    recorded = recordings(__file__) / "openai/test_max_completion_tokens[gpt-4o-mini].yaml"
    [it] = load_cassette(recorded)
    with ReplayServer.from_cassette([it]) as server:
        client = fluentai.Client(registry=Registry(), providers={
            "openai": {"api_key": "sk-unused", "base_url": server.url + "/v1"}})
        r = client.chat("openai/gpt-4o-mini", "hello", max_tokens=100)
        auth = server.requests[0].headers["authorization"]
    assert r.text == "Hello! How can I assist you today?"
    assert auth == "Vault from-the-vault"


def test_without_the_override_the_provider_keeps_its_own_auth(monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    monkeypatch.delenv("VAULT_TOKEN", raising=False)
    with ReplayServer([Reply(200, {"object": "list", "data": []})]) as server:
        fluentai.Client(registry=Registry(), providers={
            "openai": {"api_key": "sk-own", "base_url": server.url}}).models("openai")
        assert server.requests[0].headers["authorization"] == "Bearer sk-own"


needs_test_packages = pytest.mark.skipif(
    "broken" not in {ep.name for ep in entry_points(group="fluentai.providers")},
    reason="install tests/packages/* (the nox tests session does)")


@needs_test_packages
def test_a_broken_plugin_is_reported_and_the_others_work() -> None:
    registry = Registry()
    broken = {p.distribution: p for p in registry.broken}
    assert "fluentai-test-broken" in broken
    message = str(broken["fluentai-test-broken"].error)
    assert "fluentai_dependency_that_does_not_exist" in message and "'broken'" in message
    assert registry.provider_class("openai").name == "openai"
    with pytest.raises(ProviderNotFoundError, match="fluentai-test-broken failed to load"):
        registry.provider_class("broken")


def test_unknown_provider_suggests_close_names_and_the_plugin_to_install() -> None:
    with pytest.raises(ProviderNotFoundError) as exc:
        fluentai.Client().chat("opneai/gpt-4o", "hi")
    assert "Did you mean 'openai'" in str(exc.value)
    assert "pip install fluentai-opneai" in str(exc.value)


@needs_test_packages
def test_cli_lists_providers_and_warns_about_the_broken_one() -> None:
    out = subprocess.run([sys.executable, "-m", "fluentai.cli", "providers"],
                         capture_output=True, text=True, check=True)
    assert "fluentai-openai" in out.stdout
    assert "fluentai-test-broken" in out.stderr


def test_import_is_lazy() -> None:
    code = ("import sys, fluentai; heavy = {'httpx', 'pluggy', 'yaml', 'opentelemetry', "
            "'structlog', 'tenacity', 'fluentai_openai'}; print(sorted(heavy & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
