"""Vertex AI against real local servers: the full service-account flow against a local
OAuth2 token endpoint that verifies the signed JWT with the public key of a freshly
generated RSA key; the token reused until near expiry; Gemini (recorded Vertex traffic)
and Claude requests reaching a local server with the right URL and bearer token."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

import fluentai
from fluentai.testing import ReplayServer, Reply, fixtures_dir, load_cassette
from fluentai.testing.conformance import Case, ProviderSuite

FIX = fixtures_dir() / "vertex"
ANTHROPIC = fixtures_dir() / "anthropic" / "test_request_stream_fallback_for_high_max_tokens.yaml"


class TestVertexConformance(ProviderSuite):
    provider = "vertexai"
    capabilities = {"chat", "stream", "tools", "reasoning", "vision", "json", "embeddings"}
    settings = {"project": "pydantic-ai", "location": "global", "api_version": "v1beta1"}
    cases = {
        "chat": Case(recording="vertex/test_google_vertex_service_tier_flex.yaml",
                     model="gemini-3-flash-preview", prompt="Reply with exactly: OK",
                     expect_text="OK", expect_finish="stop"),
        "stream": Case(recording="vertex/test_google_vertex_service_tier_flex_stream.yaml",
                       model="gemini-3-flash-preview", prompt="Reply with exactly: OK",
                       stream=True, expect_text="OK", expect_finish="stop"),
    }


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenEndpoint:
    """An OAuth2 token endpoint that accepts only JWTs signed by the expected key."""

    def __init__(self, public_key: Any, lifetime: int) -> None:
        self.public_key = public_key
        self.lifetime = lifetime
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
            reply = {"access_token": f"ya29.local-token-{self.issued}",
                     "expires_in": self.lifetime, "token_type": "Bearer"}
        except Exception:  # an invalid signature is a 400, like Google's endpoint
            status, reply = 400, {"error": "invalid_grant"}
        raw = json.dumps(reply).encode()
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


@pytest.fixture
def service_account(tmp_path: Path) -> Any:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    endpoint = TokenEndpoint(key.public_key(), lifetime=3600)
    server, thread, port = _serve(endpoint)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path = tmp_path / "sa.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "proj-1", "private_key_id": "kid-1",
        "private_key": pem, "client_email": "fluentai@proj-1.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": f"http://127.0.0.1:{port}/token"}))
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
    path, _endpoint = service_account
    [it] = load_cassette(FIX / "test_google_vertex_service_tier_flex.yaml")
    with ReplayServer([Reply.from_interaction(it, path=None, repeat=True)]) as server:
        client = fluentai.Client(providers={"vertexai": {
            "credentials_file": str(path), "project": "p", "base_url": server.url}})
        client.chat("vertexai/gemini-3-flash-preview", "a")
        auth = client.provider("vertexai").auth()
        auth._credentials.expiry = auth._credentials.expiry.replace(  # type: ignore[attr-defined]
            year=2000)  # now past its expiry
        client.chat("vertexai/gemini-3-flash-preview", "b")
        tokens = [r.headers["authorization"] for r in server.requests]
    assert tokens == ["Bearer ya29.local-token-1", "Bearer ya29.local-token-2"]
    assert "ya29" not in repr(auth)


def test_a_forged_key_is_rejected_by_the_token_endpoint(service_account: Any,
                                                        tmp_path: Path) -> None:
    path, endpoint = service_account
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    doc = json.loads(path.read_text())
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
