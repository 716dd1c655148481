"""A good citizen in someone else's process: nothing printed unasked, a missing optional
dependency named with the command that installs it, settings checked before anything is
sent (unknown keys, unknown providers, a CA bundle that is not there)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

import fluentai
from fluentai.errors import ConfigurationError
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings

FIX = recordings(__file__) / "openai"
STREAM = FIX / "test_dbos_model_stream_direct.yaml"


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=120)


def test_retries_and_fallbacks_write_nothing_to_stderr() -> None:
    """An application that never configured logging sees no output from fluentai: the
    ``fluentai`` logger has a NullHandler, so Python's last-resort handler stays quiet."""
    out = _python(f"""
        import fluentai
        from fluentai.testing import ReplayServer, Reply, load_cassette
        [it] = load_cassette({str(STREAM)!r})
        replies = [Reply(503, {{"error": {{"message": "busy"}}}}), Reply.from_interaction(it)]
        with ReplayServer(replies) as server:
            client = fluentai.Client(providers={{"openai": {{
                "api_key": "sk-quiet", "base_url": server.url + "/v1"}}}},
                retry=fluentai.RetryPolicy(max_attempts=2, initial_backoff=0.01))
            print(client.stream("openai/gpt-4o", "x").collect().text)
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "The capital of Mexico is Mexico City."
    assert out.stderr == ""


def test_an_application_that_configures_logging_still_sees_the_retries(
        caplog: pytest.LogCaptureFixture) -> None:
    [it] = load_cassette(STREAM)
    with ReplayServer([Reply(503, {"error": {"message": "busy"}}),
                       Reply.from_interaction(it)]) as server:
        client = fluentai.Client(providers={"openai": {"api_key": "sk-logged",
                                                       "base_url": server.url + "/v1"}},
                                 retry=fluentai.RetryPolicy(max_attempts=2,
                                                            initial_backoff=0.01))
        with caplog.at_level("WARNING", logger="fluentai"):
            client.stream("openai/gpt-4o", "x").collect()
    assert any("retrying" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("blocked", "code", "install"), [
    ("opentelemetry.exporter", "from fluentai import telemetry; telemetry.setup_tracing()",
     "pip install 'fluentai-core[otel]'"),
    ("uvicorn", "from fluentai.testing import ReplayServer; ReplayServer().start()",
     "pip install 'fluentai-core[testing]'"),
    ("trustme", "from fluentai.testing import make_tls; make_tls()",
     "pip install 'fluentai-core[testing]'"),
    ("h2", "import fluentai; fluentai.Client(transport='http2', providers={'openai': "
           "{'api_key': 'sk-x', 'base_url': 'https://127.0.0.1:9/v1'}}).chat('openai/x', 'hi')",
     "pip install 'fluentai-core[http2]'"),
])
def test_a_missing_optional_dependency_names_its_install_command(blocked: str, code: str,
                                                                 install: str) -> None:
    """The package is made unimportable in a fresh interpreter, as if never installed."""
    out = _python(f"""
        import sys
        sys.modules[{blocked!r}] = None
        from fluentai.errors import ConfigurationError
        try:
            {code}
        except ConfigurationError as exc:
            print(exc)
    """)
    assert out.returncode == 0, out.stderr
    assert install in out.stdout and blocked in out.stdout


def test_http2_without_h2_is_refused_before_anything_is_sent(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx alone would serve an http:// URL over HTTP/1.1 and fail deep inside a TLS one."""
    monkeypatch.setitem(sys.modules, "h2", None)
    with ReplayServer([Reply(200, {})]) as server:
        client = fluentai.Client(transport="http2", providers={"openai": {
            "api_key": "sk-h2", "base_url": server.url + "/v1"}})
        with pytest.raises(ConfigurationError, match=r"fluentai-core\[http2\]"):
            client.chat("openai/gpt-4o", "hi")
        assert server.requests == []


def test_http2_on_a_plain_http_url_warns_that_it_cannot_apply() -> None:
    [it] = load_cassette(STREAM)
    with ReplayServer([Reply.from_interaction(it)]) as server, \
            pytest.warns(UserWarning, match="HTTP/2 is agreed during the TLS handshake"):
        client = fluentai.Client(transport="http2", providers={"openai": {
            "api_key": "sk-h2", "base_url": server.url + "/v1"}})
        client.stream("openai/gpt-4o", "x").collect()
    assert server.requests[0].http_version == "1.1"


def test_verify_with_a_missing_file_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "corporate-ca.pem"
    with pytest.raises(ConfigurationError, match=r"corporate-ca\.pem"):
        fluentai.TransportOptions(verify=missing)
    not_pem = tmp_path / "not-a-ca.pem"
    not_pem.write_text("hello")
    with pytest.raises(ConfigurationError, match=r"not-a-ca\.pem.*not a readable CA bundle"):
        fluentai.TransportOptions(verify=not_pem).ssl_context()


def test_verify_accepts_a_directory_of_certificates(tmp_path: Path) -> None:
    context = fluentai.TransportOptions(verify=tmp_path).ssl_context()
    assert not isinstance(context, bool)


@pytest.mark.parametrize("make", [fluentai.Client, fluentai.AsyncClient])
def test_an_unknown_setting_is_refused_with_a_suggestion(make: type) -> None:
    with ReplayServer([]) as server:
        client = make(providers={"openai": {"api_kye": "sk-typo", "base_url": server.url}})
        with pytest.raises(ConfigurationError) as info:
            client.provider("openai")
        assert server.requests == []
    message = str(info.value)
    assert "has no setting 'api_kye'" in message and "Did you mean 'api_key'?" in message
    assert "organization" in message  # what OpenAI does accept, option_env included
    assert "sk-typo" not in message


def test_settings_for_an_unknown_provider_are_refused_with_a_suggestion() -> None:
    client = fluentai.Client(providers={"opneai": {"api_key": "sk-typo"}})
    with pytest.raises(ConfigurationError) as info:
        client.provider("openai")  # any first use checks every entry
    assert "providers={'opneai': ...}" in str(info.value)
    assert "Did you mean 'openai'" in str(info.value)


def test_aliases_and_each_providers_own_settings_are_accepted() -> None:
    client = fluentai.Client(env={}, providers={
        "claude": {"api_key": "sk-ant", "beta": "tools-2024"},
        "openai": {"api_key": "sk-o", "organization": "org-1", "transport": "http1"},
        "bedrock": {"region": "eu-west-1", "profile": "dev", "credentials": None},
        "azure": {"base_url": "https://r.openai.azure.com", "api_version": "v1",
                  "credential": None},
        "vertexai": {"project": "p", "location": "europe-west4", "api_version": "v1beta1"},
        "cloudflare": {"api_key": "cf", "account_id": "acc"},
        "zhipuai": {"api_key": "z", "region": "intl"},
    })
    assert client.provider("claude").options["beta"] == "tools-2024"
    assert client.provider("bedrock").base_url == "https://bedrock-runtime.eu-west-1.amazonaws.com"
    assert client.provider("zhipuai").base_url.startswith("https://api.z.ai")


def test_no_warning_on_the_default_transport() -> None:
    [it] = load_cassette(STREAM)
    with ReplayServer([Reply.from_interaction(it)]) as server, warnings.catch_warnings():
        warnings.simplefilter("error")
        fluentai.Client(providers={"openai": {"api_key": "sk-1", "base_url": server.url + "/v1"}}
                        ).stream("openai/gpt-4o", "x").collect()
