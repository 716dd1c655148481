"""Vertex AI against real local servers: the full service-account flow against a local
OAuth2 token endpoint that verifies the signed JWT with the public key of a freshly
generated RSA key; the token reused until near expiry; Gemini (recorded Vertex traffic),
Claude and Mistral requests reaching a local server with the right URL and bearer token."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import fluentai
from fluentai.errors import InvalidRequestError, StreamInterruptedError
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings
from fluentai.testing.conformance import CANARY, Case, Credentials, ProviderSuite

FIX = recordings(__file__) / "vertex"
ANTHROPIC = recordings(__file__) / "anthropic/test_request_stream_fallback_for_high_max_tokens.yaml"
MISTRAL = recordings(__file__) / "mistral"
NESTED = "vertex/google-vertex-stream-tool-call-arguments-nested.1.chunks.txt"
TOOL_TURNS = FIX / "test_multimodal_tool_return_matrix[direct-url-image-google_vertex].yaml"
# the arguments the nested recording streams piece by piece (read off its partialArgs)
RECIPE = {"recipe": {
    "ingredients": [{"amount": a, "name": n} for a, n in (
        ("16 oz", "Lasagna noodles"), ("1 lb", "Ground beef"), ("15 oz", "Ricotta cheese"),
        ("3 cups", "Mozzarella cheese"), ("1/2 cup", "Parmesan cheese"),
        ("24 oz", "Tomato sauce"), ("1", "Egg"), ("2 cloves", "Garlic"), ("1 tsp", "Salt"),
        ("1/2 tsp", "Pepper"))],
    "name": "Lasagna",
    "steps": [
        "Preheat oven to 375°F (190°C).",
        "Cook lasagna noodles according to package directions, drain and set aside.",
        "Brown ground beef with minced garlic in a skillet. Drain fat and stir in tomato "
        "sauce. Simmer for 10 minutes.",
        "In a bowl, mix ricotta cheese, egg, salt, pepper, and Parmesan cheese.",
        "In a 9x13 baking dish, spread a thin layer of meat sauce.",
        "Layer noodles, ricotta mixture, mozzarella, and meat sauce. Repeat.",
        "Top with remaining mozzarella cheese.",
        "Cover with foil and bake for 25 minutes.",
        "Remove foil and bake for another 25 minutes until golden.",
        "Let stand for 15 minutes before serving."]}}


class TestVertexConformance(ProviderSuite):
    provider = "vertexai"
    capabilities = {"chat", "stream", "tools", "reasoning", "vision", "json", "embeddings"}
    settings = {"project": "pydantic-ai", "location": "global", "api_version": "v1beta1"}
    default_base_url = "https://aiplatform.googleapis.com"
    cases = {
        "chat": Case(recording="vertex/test_google_vertex_service_tier_flex.yaml",
                     model="gemini-3-flash-preview", prompt="Reply with exactly: OK",
                     expect_text="OK", expect_finish="stop"),
        "stream": Case(recording="vertex/test_google_vertex_service_tier_flex_stream.yaml",
                       model="gemini-3-flash-preview", prompt="Reply with exactly: OK",
                       stream=True, expect_text="OK", expect_finish="stop"),
        "stream_tools": Case(recording=NESTED, model="gemini-3.1-pro-preview", stream=True,
                             expect_tool_calls=[("cookRecipe", RECIPE)],
                             expect_finish="tool_calls", expect_usage=(31, 684 + 1026)),
    }

    def credentials(self, stack: contextlib.ExitStack) -> dict[str, Credentials]:
        """An express-mode key, and a service account whose key, key id and OAuth access
        tokens (from a local token endpoint) are all echoed back."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = f"ya29.{CANARY}-oauth-token"
        server, thread, port = _serve(TokenEndpoint(key.public_key(), 3600, token=token))
        stack.callback(thread.join, 5)
        stack.callback(setattr, server, "should_exit", True)
        path = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "sa.json"
        key_id = f"{CANARY}-key-id"
        pem = _service_account(path, key, port, key_id)
        return {**super().credentials(stack),
                "service account": Credentials(settings={"credentials_file": str(path)},
                                               secrets=[token, key_id, pem])}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenEndpoint:
    """An OAuth2 token endpoint that accepts only JWTs signed by the expected key."""

    def __init__(self, public_key: Any, lifetime: int, token: str | None = None,
                 delay: float = 0.0) -> None:
        self.public_key = public_key
        self.lifetime = lifetime
        self.token = token  # the same token every time, or numbered ones
        self.delay = delay  # seconds before answering, as a slow token endpoint does
        self.issued = 0
        self.claims: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        form = parse_qs(body.decode())
        header, payload, signature = form["assertion"][0].split(".")
        try:
            self.public_key.verify(_unb64url(signature), f"{header}.{payload}".encode(),
                                   padding.PKCS1v15(), hashes.SHA256())
            status = 200
            self.issued += 1
            self.claims.append(json.loads(_unb64url(payload)))
            reply = {"access_token": self.token or f"ya29.local-token-{self.issued}",
                     "expires_in": self.lifetime, "token_type": "Bearer"}
        except Exception:  # an invalid signature is a 400, like Google's endpoint
            status, reply = 400, {"error": "invalid_grant"}
        raw = json.dumps(reply).encode()
        await asyncio.sleep(self.delay)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": raw})


def _serve(app: Any) -> tuple[Any, Any, int]:
    import threading

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                           log_level="critical", lifespan="off"))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    return server, thread, server.servers[0].sockets[0].getsockname()[1]


def _service_account(path: Path, key: Any, port: int, key_id: str = "kid-1") -> str:
    """Write a service-account key file whose token endpoint is the local one; its PEM."""
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "proj-1", "private_key_id": key_id,
        "private_key": pem, "client_email": "fluentai@proj-1.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": f"http://127.0.0.1:{port}/token"}))
    return pem


@pytest.fixture
def service_account(tmp_path: Path) -> Any:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    endpoint = TokenEndpoint(key.public_key(), lifetime=3600)
    server, thread, port = _serve(endpoint)
    path = tmp_path / "sa.json"
    _service_account(path, key, port)
    yield path, endpoint
    server.should_exit = True
    thread.join(timeout=5)


def test_service_account_flow_and_token_reuse(service_account: Any) -> None:
    path, endpoint = service_account
    [it] = load_cassette(FIX / "test_google_vertex_service_tier_flex.yaml")
    claude = load_cassette(ANTHROPIC)[0]
    replies = [Reply.from_interaction(it, path=None), Reply.from_interaction(it, path=None),
               Reply.from_interaction(claude, path=None)]
    with ReplayServer(replies) as server:
        client = fluentai.Client(env={"GOOGLE_APPLICATION_CREDENTIALS": str(path),
                                      "GOOGLE_CLOUD_PROJECT": "proj-1",
                                      "GOOGLE_CLOUD_LOCATION": "europe-west4",
                                      "FLUENTAI_VERTEXAI_BASE_URL": server.url})
        first = client.chat("vertexai/gemini-3-flash-preview", "Reply with exactly: OK")
        client.chat("vertexai/gemini-3-flash-preview", "again")
        answer = client.stream("vertexai/claude-sonnet-4-5@20250929", "1+1?").collect()
        sent = server.requests
    assert first.text == "OK" and answer.text == "2"
    assert endpoint.issued == 1  # reused, not fetched per request
    claims = endpoint.claims[0]
    assert claims["iss"] == "fluentai@proj-1.iam.gserviceaccount.com"
    assert claims["scope"] == "https://www.googleapis.com/auth/cloud-platform"
    assert {r.headers["authorization"] for r in sent} == {"Bearer ya29.local-token-1"}
    base = "/v1/projects/proj-1/locations/europe-west4/publishers"
    assert sent[0].path == f"{base}/google/models/gemini-3-flash-preview:generateContent"
    assert sent[2].path == f"{base}/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict"
    assert sent[2].json["anthropic_version"] == "vertex-2023-10-16" and "model" not in sent[2].json


def test_token_is_refreshed_near_expiry(service_account: Any) -> None:
    path, endpoint = service_account
    endpoint.lifetime = 120  # inside the refresh margin: every request needs a new token
    [it] = load_cassette(FIX / "test_google_vertex_service_tier_flex.yaml")
    with ReplayServer([Reply.from_interaction(it, path=None, repeat=True)]) as server:
        client = fluentai.Client(providers={"vertexai": {
            "credentials_file": str(path), "project": "p", "base_url": server.url}})
        client.chat("vertexai/gemini-3-flash-preview", "a")
        client.chat("vertexai/gemini-3-flash-preview", "b")
        tokens = [r.headers["authorization"] for r in server.requests]
        auth = client.provider("vertexai").auth()
    assert tokens == ["Bearer ya29.local-token-1", "Bearer ya29.local-token-2"]
    assert "ya29" not in repr(auth)


async def test_an_async_refresh_never_blocks_the_loop_and_is_shared(service_account: Any
                                                                    ) -> None:
    """A token endpoint that takes 1 s: 20 concurrent requests cause one refresh, and the
    event loop keeps running meanwhile (a ticker every 10 ms never waits long)."""
    path, endpoint = service_account
    endpoint.delay = 1.0
    [it] = load_cassette(FIX / "test_google_vertex_service_tier_flex.yaml")
    with ReplayServer([Reply.from_interaction(it, path=None, repeat=True)]) as server:
        async with fluentai.AsyncClient(providers={"vertexai": {  # warm up: plugins, catalog
                "api_key": "express-key-123", "project": "p", "base_url": server.url}}) as w:
            await w.chat("vertexai/gemini-3-flash-preview", "a")
        async with fluentai.AsyncClient(providers={"vertexai": {
                "credentials_file": str(path), "project": "p", "base_url": server.url}}) as c:
            longest = 0.0
            done = asyncio.Event()

            async def tick() -> None:
                nonlocal longest
                while not done.is_set():
                    before = time.monotonic()
                    await asyncio.sleep(0.01)
                    longest = max(longest, time.monotonic() - before)

            ticker = asyncio.create_task(tick())
            answers = await asyncio.gather(*(c.chat("vertexai/gemini-3-flash-preview", "a")
                                             for _ in range(20)))
            done.set()
            await ticker
        tokens = {r.headers.get("authorization") for r in server.requests[1:]}
    assert [a.text for a in answers] == ["OK"] * 20
    assert endpoint.issued == 1 and tokens == {"Bearer ya29.local-token-1"}
    assert longest < 0.5, f"the event loop stalled for {longest:.2f}s (the refresh takes 1s)"


def test_a_forged_key_is_rejected_by_the_token_endpoint(service_account: Any,
                                                        tmp_path: Path) -> None:
    path, endpoint = service_account
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["private_key"] = other.private_bytes(serialization.Encoding.PEM,
                                             serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()).decode()
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc))
    client = fluentai.Client(providers={"vertexai": {"credentials_file": str(forged),
                                                     "project": "p",
                                                     "base_url": "http://127.0.0.1:9"}})
    with pytest.raises(Exception, match="invalid_grant"):
        client.chat("vertexai/gemini-2.5-flash", "hi")
    assert endpoint.issued == 0


def test_global_location_and_embeddings() -> None:
    [it] = load_cassette(FIX / "google-vertex-embedding.json")
    assert fluentai.Client(env={}, providers={"vertexai": {"location": "global"}}
                           ).provider("vertexai").base_url == "https://aiplatform.googleapis.com"
    with ReplayServer([Reply(200, it.response_body,
                             headers={"content-type": "application/json"})]) as server:
        client = fluentai.Client(providers={"vertexai": {
            "api_key": "express-key-123", "project": "p", "base_url": server.url}})
        r = client.embed("vertexai/text-embedding-005", ["hello"], input_type="query",
                         dimensions=256)
        sent = server.requests[0]
    assert sent.path.endswith("/publishers/google/models/text-embedding-005:predict")
    assert sent.json == {"instances": [{"content": "hello", "task_type": "RETRIEVAL_QUERY"}],
                         "parameters": {"outputDimensionality": 256}}
    recorded = json.loads(it.response_body)["predictions"]
    assert r.vectors == [p["embeddings"]["values"] for p in recorded]


def express_client(server: ReplayServer, **settings: str) -> fluentai.Client:
    """A client on a Vertex express-mode key, so no token endpoint is involved."""
    return fluentai.Client(providers={"vertexai": {
        "api_key": "express-key-123", "project": "p", "base_url": server.url, **settings}})


def test_recorded_tool_turn_and_invalid_argument() -> None:
    """Recorded Vertex traffic: a function call, then a 400 INVALID_ARGUMENT."""
    call_turn, _, failed = load_cassette(TOOL_TURNS)
    tools = [fluentai.Tool(d["name"], d["description"], d["parametersJsonSchema"])
             for d in call_turn.request_json["tools"][0]["functionDeclarations"]]
    prompt = call_turn.request_json["contents"][0]["parts"][0]["text"]
    settings = {"project": "gen-lang-client-0498264908", "location": "global",
                "api_version": "v1beta1"}
    with ReplayServer([Reply.from_interaction(call_turn),
                       Reply.from_interaction(failed)]) as server:
        client = express_client(server, **settings)
        r = client.chat("vertexai/gemini-3-flash-preview", prompt, tools=tools)
        with pytest.raises(InvalidRequestError, match="Cannot fetch content") as exc:
            client.chat("vertexai/gemini-3-flash-preview", prompt, tools=tools, retry=0)
        sent = server.requests[0]
    assert [(c.name, c.arguments) for c in r.tool_calls] == [("get_file", {"type": "IMAGE"})]
    assert r.finish_reason == "tool_calls"
    assert sent.headers["x-goog-api-key"] == "express-key-123"
    assert sent.json["tools"][0]["functionDeclarations"][0]["name"] == "get_file"
    assert exc.value.status_code == 400


def test_nested_stream_cut_short_keeps_partial_output() -> None:
    [it] = load_cassette(recordings(__file__) / NESTED)
    with ReplayServer([Reply.from_interaction(it, path=None, drop_after=30)]) as server, \
            pytest.raises(StreamInterruptedError) as exc:
        list(express_client(server).stream("vertexai/gemini-3.1-pro-preview", "Lasagna?"))
    assert exc.value.partial is not None


def test_mistral_through_raw_predict() -> None:
    """Mistral's own recorded answers, served at Vertex's rawPredict paths."""
    [chat] = load_cassette(MISTRAL / "test_mistral_forwards_penalties.yaml")
    [streamed] = load_cassette(MISTRAL / "mistral-text.chunks.txt", done=True)
    with ReplayServer([Reply.from_interaction(chat, path=None),
                       Reply.from_interaction(streamed, path=None)]) as server:
        client = express_client(server, location="europe-west4")
        r = client.chat("vertexai/mistral-medium-3", "hello", tool_choice="required",
                        tools=[fluentai.Tool("f", "", {"type": "object", "properties": {}})],
                        seed=7)
        streamed_answer = client.stream("vertexai/mistral-medium-3", "hello").collect()
        sent, sent_stream = server.requests
    base = "/v1/projects/p/locations/europe-west4/publishers/mistralai/models/mistral-medium-3"
    assert sent.path == f"{base}:rawPredict" and sent_stream.path == f"{base}:streamRawPredict"
    assert sent.json["model"] == "mistral-medium-3" and sent.json["tool_choice"] == "any"
    assert sent.json["random_seed"] == 7 and "seed" not in sent.json
    assert sent_stream.json["stream"] is True and "stream_options" not in sent_stream.json
    recorded = chat.response_json
    assert r.text == recorded["choices"][0]["message"]["content"]
    assert (r.usage.input_tokens, r.usage.output_tokens) == (
        recorded["usage"]["prompt_tokens"], recorded["usage"]["completion_tokens"])
    assert streamed_answer.text.startswith("Hello, world!")
    assert streamed_answer.finish_reason == "stop"


def test_other_publishers_are_refused_clearly() -> None:
    with ReplayServer([]) as server, pytest.raises(fluentai.errors.UnsupportedError,
                                                   match="meta models"):
        express_client(server).chat("vertexai/llama-4-maverick-17b-128e-instruct-maas", "hi")


def test_express_mode_needs_only_a_key() -> None:
    [it] = load_cassette(FIX / "test_google_vertex_service_tier_flex.yaml")
    provider = fluentai.Client(env={"VERTEX_API_KEY": "express-key-123"}).provider("vertexai")
    assert provider.configured and provider.base_url == "https://aiplatform.googleapis.com"
    with ReplayServer([Reply.from_interaction(it, path=None)]) as server:
        client = fluentai.Client(env={"VERTEX_API_KEY": "express-key-123",
                                      "FLUENTAI_VERTEXAI_BASE_URL": server.url})
        r = client.chat("vertexai/gemini-3-flash-preview", "Reply with exactly: OK")
        sent = server.requests[0]
    assert r.text == "OK"
    assert sent.path == "/v1/publishers/google/models/gemini-3-flash-preview:generateContent"
    assert sent.headers["x-goog-api-key"] == "express-key-123"
    assert "authorization" not in sent.headers and "express-key" not in sent.query


# --- check: one free authenticated request, or what to do ---------------------------------

COUNT = recordings(__file__) / \
    "pydantic-ai/test_google/test_google_vertexai_model_usage_limit_exceeded.yaml"


def _check(client: Any, asynchronous: bool) -> Any:
    if not asynchronous:
        return client.check("vertexai")
    import asyncio

    async def run() -> Any:
        async with client:
            return await client.check("vertexai")

    return asyncio.run(run())


@pytest.mark.parametrize("asynchronous", [False, True])
def test_check_counts_tokens_with_the_service_account(service_account: Any,
                                                      asynchronous: bool) -> None:
    """countTokens is free and needs the project permission a prediction needs; the reply
    is a real Vertex countTokens answer (recorded for gemini-2.0-flash)."""
    path, endpoint = service_account
    [it] = load_cassette(COUNT)
    with ReplayServer([Reply.from_interaction(it, path=None)]) as server:
        make = fluentai.AsyncClient if asynchronous else fluentai.Client
        client = make(providers={"vertexai": {"credentials_file": str(path), "project": "proj-1",
                                              "base_url": server.url}})
        result = _check(client, asynchronous)
        sent = server.requests
    assert result.ok and result.verified and result.problem is None, result
    assert len(sent) == 1 and endpoint.issued == 1
    assert sent[0].path == ("/v1/projects/proj-1/locations/us-central1/publishers/google/"
                            "models/gemini-2.5-flash:countTokens")
    assert sent[0].headers["authorization"] == "Bearer ya29.local-token-1"
    assert sent[0].json == {"contents": [{"role": "user", "parts": [{"text": "ping"}]}]}


@pytest.mark.parametrize("asynchronous", [False, True])
def test_check_without_application_default_credentials_says_how_to_log_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, asynchronous: bool) -> None:
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path))  # no gcloud login here
    monkeypatch.setenv("NO_GCE_CHECK", "True")  # and not on Google Cloud
    with ReplayServer([]) as server:
        make = fluentai.AsyncClient if asynchronous else fluentai.Client
        client = make(env={}, providers={"vertexai": {"project": "p", "base_url": server.url}})
        result = _check(client, asynchronous)
        assert server.requests == []
    assert not result.ok and not result.configured and result.error == "ConfigurationError"
    assert result.problem.startswith("not configured: No Google Cloud credentials")
    assert "gcloud auth application-default login" in result.problem


def test_check_with_a_missing_credentials_file_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "gone.json"
    result = fluentai.Client(env={"GOOGLE_APPLICATION_CREDENTIALS": str(missing),
                                  "GOOGLE_CLOUD_PROJECT": "p"}).check("vertexai")
    assert not result.configured and str(missing) in (result.problem or "")


def test_check_with_a_revoked_service_account_says_what_to_do(service_account: Any,
                                                              tmp_path: Path) -> None:
    path, _endpoint = service_account
    doc = json.loads(path.read_text())
    doc["private_key"] = rsa.generate_private_key(
        public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    revoked = tmp_path / "revoked.json"
    revoked.write_text(json.dumps(doc))
    with ReplayServer([]) as server:
        result = fluentai.Client(providers={"vertexai": {
            "credentials_file": str(revoked), "project": "p", "base_url": server.url}}
                                 ).check("vertexai")
        assert server.requests == []
    assert not result.ok and not result.configured
    assert "could not be refreshed" in (result.problem or "")
    assert "invalid_grant" in (result.problem or "")


def test_without_a_project_check_names_it() -> None:
    result = fluentai.Client(env={}).check("vertexai")
    assert result.problem == "not configured: set GOOGLE_CLOUD_PROJECT (or VERTEX_API_KEY)"
