"""Azure OpenAI against a real local server: the recorded deployments call with an api-key,
and Microsoft Entra ID tokens refreshed near expiry without disturbing a request in flight."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from typing import Any

import pytest

import fluentai
from fluentai.errors import ConfigurationError, ContentFilterError
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings
from fluentai.testing.conformance import CANARY, Case, Credentials, ProviderSuite

RECORDED = "azure/test_azure_provider_call.yaml"
STREAM = load_cassette(recordings(__file__) / "openai" / "test_dbos_model_stream_direct.yaml")[0]


class TestAzureConformance(ProviderSuite):
    provider = "azure"
    capabilities = {"chat", "stream", "tools", "vision", "json", "embeddings"}
    cases = {
        "chat": Case(recording=RECORDED, model="gpt-4o",
                     prompt="What is the capital of France?", call={"provider_options": {"n": 1}},
                     expect_text="The capital of France is **Paris**.", expect_usage=(14, 9),
                     expect_finish="stop", expect_request=True),
    }

    def credentials(self, stack: contextlib.ExitStack) -> dict[str, Credentials]:
        """An api-key, and Microsoft Entra ID access tokens."""
        token = f"{CANARY}-entra-token"
        return {**super().credentials(stack),
                "entra": Credentials(settings={"credential": FakeCredential(3600, token)},
                                     secrets=[token])}


def test_deployment_url_api_version_and_key_header() -> None:
    [it] = load_cassette(recordings(__file__) / RECORDED)
    with ReplayServer.from_cassette([it]) as server:
        client = fluentai.Client(env={"AZURE_OPENAI_ENDPOINT": server.url,
                                      "AZURE_OPENAI_API_KEY": "azure-key-123456"})
        r = client.chat("azure/gpt-4o", "What is the capital of France?")
        sent = server.requests[0]
    assert sent.path == "/openai/deployments/gpt-4o/chat/completions"
    assert sent.query == "api-version=2024-12-01-preview"
    assert sent.headers["api-key"] == "azure-key-123456" and "authorization" not in sent.headers
    assert r.text == "The capital of France is **Paris**."


def test_v1_api() -> None:
    [it] = load_cassette(recordings(__file__) / RECORDED)
    with ReplayServer([Reply.from_interaction(it, path="/openai/v1/chat/completions")]) as srv:
        fluentai.Client(providers={"azure": {"api_key": "azure-key-123456", "base_url": srv.url,
                                             "api_version": "v1"}}).chat("azure/gpt-4o", "hi")
        assert srv.requests[0].query == ""


def test_content_filter_rejection_is_typed() -> None:
    # shape from https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter
    body = {"error": {"message": "The response was filtered due to the prompt triggering "
                                 "Azure OpenAI's content management policy.",
                      "type": None, "param": "prompt", "code": "content_filter", "status": 400}}
    with ReplayServer([Reply(400, body)]) as server, pytest.raises(ContentFilterError):
        fluentai.Client(providers={"azure": {"api_key": "azure-key-123456",
                                             "base_url": server.url}}
                        ).chat("azure/gpt-4o", "something", retry=0)


class _Access:
    def __init__(self, token: str, expires_on: float) -> None:
        self.token = token
        self.expires_on = expires_on


class FakeCredential:
    """A TokenCredential whose tokens live ``lifetime`` seconds."""

    def __init__(self, lifetime: float, token: str | None = None) -> None:
        self.lifetime = lifetime
        self.token = token  # the same every time, or numbered ones
        self.issued = 0

    def get_token(self, *scopes: str) -> _Access:
        assert scopes == ("https://cognitiveservices.azure.com/.default",)
        self.issued += 1
        return _Access(self.token or f"entra-token-{self.issued}", time.time() + self.lifetime)


def test_entra_token_is_cached_then_refreshed_near_expiry() -> None:
    [it] = load_cassette(recordings(__file__) / RECORDED)
    tokens: dict[int, list[str]] = {}
    for lifetime in (3600, 200):  # 200 s is inside the five-minute margin: always refreshed
        credential = FakeCredential(lifetime=lifetime)
        with ReplayServer([Reply.from_interaction(it, path=None, repeat=True)]) as server:
            client = fluentai.Client(providers={"azure": {"base_url": server.url,
                                                          "credential": credential}})
            for prompt in "abc":
                client.chat("azure/gpt-4o", prompt)
            tokens[lifetime] = [r.headers["authorization"] for r in server.requests]
            auth = client.provider("azure").auth()
    assert tokens[3600] == ["Bearer entra-token-1"] * 3
    assert tokens[200] == [f"Bearer entra-token-{i}" for i in (1, 2, 3)]
    assert "entra-token" not in repr(auth)


def test_a_refresh_does_not_disturb_a_request_in_flight() -> None:
    credential = FakeCredential(lifetime=200)  # every token is near expiry when issued
    slow = Reply.from_interaction(STREAM, path=None, chunk_delay=0.05)
    [it] = load_cassette(recordings(__file__) / RECORDED)
    with ReplayServer([slow, Reply.from_interaction(it, path=None)]) as server:
        client = fluentai.Client(providers={"azure": {"base_url": server.url,
                                                      "credential": credential}})
        started = threading.Event()
        out: dict[str, Any] = {}

        def consume() -> None:
            stream = client.stream("azure/gpt-4o", "x")
            for _ in stream:
                started.set()
            out["text"] = stream.response.text if stream.response else None

        worker = threading.Thread(target=consume)
        worker.start()
        started.wait(5)
        client.chat("azure/gpt-4o", "y")
        worker.join(10)
        tokens = [r.headers["authorization"] for r in server.requests]
    assert tokens == ["Bearer entra-token-1", "Bearer entra-token-2"]
    assert out["text"] == "The capital of Mexico is Mexico City."


class SlowCredential(FakeCredential):
    """A TokenCredential whose token endpoint takes ``delay`` seconds (it blocks, as
    azure-identity's sync credentials do)."""

    def __init__(self, lifetime: float, delay: float) -> None:
        super().__init__(lifetime)
        self.delay = delay

    def get_token(self, *scopes: str) -> _Access:
        time.sleep(self.delay)
        return super().get_token(*scopes)


async def test_an_async_entra_refresh_never_blocks_the_loop_and_is_shared() -> None:
    credential = SlowCredential(lifetime=3600, delay=1.0)
    [it] = load_cassette(recordings(__file__) / RECORDED)
    with ReplayServer([Reply.from_interaction(it, path=None, repeat=True)]) as server:
        async with fluentai.AsyncClient(providers={"azure": {  # warm up: plugins, catalog
                "base_url": server.url, "api_key": "azure-key-123456"}}) as warm:
            await warm.chat("azure/gpt-4o", "a")
        async with fluentai.AsyncClient(providers={"azure": {
                "base_url": server.url, "credential": credential}}) as client:
            longest = 0.0
            done = asyncio.Event()

            async def tick() -> None:
                nonlocal longest
                while not done.is_set():
                    before = time.monotonic()
                    await asyncio.sleep(0.01)
                    longest = max(longest, time.monotonic() - before)

            ticker = asyncio.create_task(tick())
            await asyncio.gather(*(client.chat("azure/gpt-4o", "a") for _ in range(20)))
            done.set()
            await ticker
        tokens = {r.headers.get("authorization") for r in server.requests[1:]}
    assert credential.issued == 1 and tokens == {"Bearer entra-token-1"}
    assert longest < 0.5, f"the event loop stalled for {longest:.2f}s (the refresh takes 1s)"


def test_missing_endpoint_is_named() -> None:
    client = fluentai.Client(env={"AZURE_OPENAI_API_KEY": "azure-key-123456"})
    assert client.provider("azure").missing_configuration() == "set AZURE_OPENAI_ENDPOINT"
    with pytest.raises(ConfigurationError, match="AZURE_OPENAI_ENDPOINT"):
        client.chat("azure/gpt-4o", "hi")


# No recording of Azure's model listing exists in the shared set: this body follows the
# "Models - List" response of the data-plane reference (one model, trimmed).
AZURE_MODELS = {"object": "list", "data": [
    {"id": "gpt-4o-2024-08-06", "object": "model", "created_at": 1722902400,
     "status": "succeeded", "lifecycle_status": "generally-available",
     "capabilities": {"chat_completion": True, "completion": False, "embeddings": False,
                      "fine_tune": True, "inference": True}}]}


@pytest.mark.parametrize("asynchronous", [False, True])
def test_check_lists_the_resources_models_with_the_key(asynchronous: bool) -> None:
    import asyncio

    with ReplayServer([Reply(200, AZURE_MODELS, path="/openai/models")]) as server:
        settings = {"api_key": "azure-key-123456", "base_url": server.url}
        if asynchronous:
            async def run() -> Any:
                async with fluentai.AsyncClient(providers={"azure": settings}) as client:
                    return await client.check("azure")
            result = asyncio.run(run())
        else:
            result = fluentai.Client(providers={"azure": settings}).check("azure")
        sent = server.requests[0]
    assert result.ok and result.verified and result.models == 1, result
    assert sent.query == "api-version=2024-12-01-preview"
    assert sent.headers["api-key"] == "azure-key-123456"


def test_the_v1_api_lists_models_under_v1() -> None:
    with ReplayServer([Reply(200, AZURE_MODELS, path="/openai/v1/models")]) as server:
        models = fluentai.Client(providers={"azure": {
            "api_key": "azure-key-123456", "base_url": server.url, "api_version": "v1"}}
                                 ).models("azure")
    assert "gpt-4o-2024-08-06" in {m.id for m in models if m.live}


def test_check_with_a_rejected_key_is_an_authentication_failure() -> None:
    """Azure's real answer to an invalid key (a Ruby VCR cassette in JSON)."""
    import json

    raw = recordings(__file__) / "azure" / ("Intelligence_Azure_Adapter_chat_requests_where_the_"
                                            "adapter_is_configured_with_an_invalid_key_"
                                            "responds_with_an_appropriate_error.json")
    answer = json.loads(raw.read_text())["http_interactions"][0]["response"]
    reply = Reply(answer["status"]["code"], answer["body"]["string"],
                  headers={k: v[0] for k, v in answer["headers"].items()})
    with ReplayServer([reply]) as server:
        result = fluentai.Client(providers={"azure": {"api_key": "azure-key-123456",
                                                      "base_url": server.url}}).check("azure")
    assert not result.ok and result.configured and result.error == "AuthenticationError"
    assert "Access denied" in (result.problem or "")


def test_without_a_key_or_entra_id_check_says_what_to_install() -> None:
    from importlib.util import find_spec

    try:
        if find_spec("azure.identity") is not None:
            pytest.skip("azure-identity is installed: DefaultAzureCredential would be tried")
    except ModuleNotFoundError:
        pass
    result = fluentai.Client(env={"AZURE_OPENAI_ENDPOINT": "https://r.openai.azure.com"}
                             ).check("azure")
    assert result.problem == ("not configured: set AZURE_OPENAI_API_KEY (or pip install "
                              "'fluentai-azure[entra]' for Entra ID)")
