"""Plugin discovery through entry points: overriding one hook of one provider from another
distribution, broken plugins reported by name, two distributions claiming one name, "did
you mean", and lazy loading (one plugin per provider resolved, through the plugin index)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import fluentai
from fluentai import plugin_index
from fluentai.errors import ConfigurationError, ProviderNotFoundError
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


def test_a_typo_suggests_the_installed_name_and_never_a_plugin_that_does_not_exist() -> None:
    with pytest.raises(ProviderNotFoundError) as exc:
        fluentai.Client().chat("opneai/gpt-4o", "hi")
    message = str(exc.value)
    assert "Did you mean 'openai'" in message
    assert "fluentai-opneai" not in message and "pip install" not in message


def test_a_real_plugin_that_is_not_installed_is_named_with_its_install_command() -> None:
    """With nothing installed, names come from the catalog's providers (each a real
    fluentai-<name> distribution): the exact name, or the close one, gets its command."""
    bare = Registry(entry_points=False)
    with pytest.raises(ProviderNotFoundError, match=r"pip install fluentai-anthropic$"):
        bare.provider_class("anthropic")
    with pytest.raises(ProviderNotFoundError) as exc:
        bare.provider_class("antropic")
    assert "Did you mean 'anthropic' (pip install fluentai-anthropic)?" in str(exc.value)
    assert "fluentai-antropic" not in str(exc.value)
    with pytest.raises(ProviderNotFoundError) as exc:
        bare.provider_class("zzqx")
    assert "pip install" not in str(exc.value)


needs_echo = pytest.mark.skipif(
    "echo" not in {ep.name for ep in entry_points(group="fluentai.providers")},
    reason="install tests/packages/* (the nox tests session does)")


@needs_echo
def test_two_distributions_claiming_one_provider_name_is_an_error_naming_both() -> None:
    with pytest.raises(ConfigurationError) as exc:
        fluentai.Client(registry=Registry(), env={}).provider("echo")
    message = str(exc.value)
    assert "fluentai-test-echo-a 0.0.1 and fluentai-test-echo-b 0.0.1" in message
    assert "FLUENTAI_ECHO_PLUGIN=" in message
    assert exc.value.env_var == "FLUENTAI_ECHO_PLUGIN"


@needs_echo
def test_the_user_pins_one_distribution_with_an_environment_variable() -> None:
    for pin, label in (("fluentai-test-echo-b", "Echo (b)"), ("fluentai_test_echo_a",
                                                              "Echo (a)")):
        client = fluentai.Client(registry=Registry(), env={"FLUENTAI_ECHO_PLUGIN": pin})
        assert client.provider("echo").label == label
    with pytest.raises(ConfigurationError, match="does not provide 'echo'"):
        fluentai.Client(registry=Registry(),
                        env={"FLUENTAI_ECHO_PLUGIN": "fluentai-openai"}).provider("echo")


@needs_echo
def test_the_listing_reports_the_conflict_and_lists_the_rest() -> None:
    registry = Registry()
    assert [o.distribution for o in registry.conflicts["echo"]] == [
        "fluentai-test-echo-a", "fluentai-test-echo-b"]
    out = subprocess.run([sys.executable, "-m", "fluentai.cli", "providers"],
                         capture_output=True, text=True, check=True, env=_env())
    assert "fluentai-openai" in out.stdout
    assert "2 installed distributions provide 'echo'" in out.stderr


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def _modules_after(code: str, cache: Path) -> list[str]:
    """The plugin modules a fresh process has imported after running ``code``."""
    probe = (f"import sys, fluentai; {code}; print(sorted(m for m in sys.modules "
             "if m.startswith('fluentai_') or m == 'httpx'))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, env=_env(FLUENTAI_CACHE_DIR=str(cache)))
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_resolving_a_provider_imports_only_its_plugin_and_not_httpx(tmp_path: Path) -> None:
    _modules_after("fluentai.Client().providers()", tmp_path)  # the first process indexes
    assert _modules_after("fluentai.Client().provider('openai')", tmp_path) == [
        "fluentai_openai"]
    assert _modules_after("fluentai.Client().provider('claude')", tmp_path) == [
        "fluentai_anthropic"]  # an alias, from the index: no other plugin imported
    assert _modules_after("fluentai.Client()._core.route('gpt-4o-mini')", tmp_path) == [
        "fluentai_openai"]  # a bare model name, through the catalog
    listed = _modules_after("fluentai.Client().providers()", tmp_path)
    assert {"fluentai_openai", "fluentai_anthropic", "fluentai_ollama"} <= set(listed)


def test_the_index_is_rebuilt_when_a_plugin_file_changes(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    monkeypatch.setenv("FLUENTAI_CACHE_DIR", str(tmp_path))
    Registry().load()
    index = plugin_index.read()
    assert index is not None and any(p.providers.get("openai") == () for p in index)
    [cached] = tmp_path.glob("plugins-*.json")
    data = json.loads(cached.read_bytes())
    entry = next(p for p in data["plugins"] if p["name"] == "openai")
    entry["files"] = {file: mtime - 1 for file, mtime in entry["files"].items()}
    cached.write_text(json.dumps(data))
    assert plugin_index.read() is None  # an edited plugin (editable install) is re-read
    Registry().load()
    assert plugin_index.read() is not None


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
