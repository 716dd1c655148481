"""Bedrock against a real local server replaying recorded Converse / ConverseStream traffic;
SigV4 checked against the AWS test suite and against botocore on the bytes actually sent;
the event-stream decoder on every split of real recorded bytes and on flipped bits."""

from __future__ import annotations

import contextlib
import datetime
from typing import Any
from urllib.parse import quote

import pytest
from botocore.auth import SigV4Auth as BotoSigV4
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as AWSCredentials
from hypothesis import given, settings
from hypothesis import strategies as st

import fluentai
from fluentai.errors import InvalidRequestError, MalformedStreamError, RateLimitError
from fluentai.framing import EventStreamParser
from fluentai.framing.eventstream import encode_message
from fluentai.request import ListModelsRequest
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings
from fluentai.testing.conformance import CANARY, Case, Credentials, ProviderSuite
from fluentai_bedrock import SigV4Auth

FIX = recordings(__file__) / "bedrock"
CREDS = AWSCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
FROZEN = datetime.datetime(2015, 8, 30, 12, 36, 0, tzinfo=datetime.UTC)
STREAM = "bedrock/test_bedrock_model_stream.yaml"
TOOLS = "bedrock/test_bedrock_model_iter_stream.yaml"


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.auth

    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: FROZEN)


class TestBedrockConformance(ProviderSuite):
    provider = "bedrock"
    capabilities = {"chat", "stream", "tools", "reasoning", "vision", "pdf", "embeddings"}
    settings = {"region": "us-east-1", "credentials": CREDS}
    cases = {
        "chat": Case(recording="bedrock/test_bedrock_model_instructions.yaml",
                     model="us.amazon.nova-pro-v1:0", prompt="What is the capital of France?",
                     call={"system": "You are a helpful assistant."}, expect_usage=(13, 71),
                     expect_finish="stop", expect_request=True),
        "stream": Case(recording=STREAM, model="us.amazon.nova-micro-v1:0", stream=True,
                       prompt="What is the capital of France?",
                       call={"system": "You are a helpful chatbot.", "temperature": 0.0},
                       expect_usage=(13, 82), expect_finish="stop", expect_request=True),
        "stream_tools": Case(recording=TOOLS, model="us.amazon.nova-micro-v1:0", stream=True,
                             expect_tool_calls=[("get_temperature", {"city": "Paris"})],
                             expect_finish="tool_calls", expect_usage=(471, 91)),
        "tool_result_history": Case(recording=TOOLS, interaction=1, stream=True,
                                    model="us.amazon.nova-micro-v1:0", expect_usage=(577, 18),
                                    expect_text="The current temperature in Paris, the capital "
                                                "of France, is 30°C."),
        "stream_reasoning": Case(recording="bedrock/test_bedrock_model_thinking_part_stream"
                                           ".yaml", stream=True, prompt="Hello",
                                 model="us.anthropic.claude-sonnet-4-20250514-v1:0",
                                 call={"reasoning": 1024}, expect_reasoning=True,
                                 expect_request=True),
        "tool_call": Case(recording="bedrock/test_bedrock_anthropic_tool_with_thinking.yaml",
                          model="us.anthropic.claude-3-7-sonnet-20250219-v1:0",
                          expect_tool_calls=[("get_user_country", {})],
                          expect_reasoning=True, expect_finish="tool_calls"),
        "provider_error": Case(recording="bedrock/test_bedrock_error.yaml",
                               model="us.does-not-exist-model-v1:0",
                               expect_error="InvalidRequestError"),
        "embeddings": Case(recording="bedrock/TestBedrock.test_nova_with_dimensions.yaml",
                           model="amazon.nova-2-multimodal-embeddings-v1:0",
                           prompt="Test Nova dimensions", call={"dimensions": 256}),
    }

    def credentials(self, stack: contextlib.ExitStack) -> dict[str, Credentials]:
        """A Bedrock API key, explicit AWS credentials with a session token, and the same
        from the environment (botocore's chain)."""
        secret, token = f"{CANARY}-aws-secret-key", f"{CANARY}-aws-session-token"
        env = stack.enter_context(pytest.MonkeyPatch.context())
        for name in ("AWS_PROFILE", "AWS_BEARER_TOKEN_BEDROCK", "AWS_CONFIG_FILE",
                     "AWS_SHARED_CREDENTIALS_FILE"):
            env.delenv(name, raising=False)
        env.setenv("AWS_ACCESS_KEY_ID", "AKIDCANARYENVIRONMENT")
        env.setenv("AWS_SECRET_ACCESS_KEY", f"{secret}-env")
        env.setenv("AWS_SESSION_TOKEN", f"{token}-env")
        return {
            **super().credentials(stack),
            "AWS credentials": Credentials(
                settings={"credentials": AWSCredentials("AKIDCANARY", secret, token)},
                secrets=[secret, token]),
            "AWS environment credentials": Credentials(
                settings={"credentials": None}, secrets=[f"{secret}-env", f"{token}-env"]),
        }


def test_aws_sigv4_test_suite_vectors(frozen_clock: None) -> None:
    import httpx

    vectors = {
        "https://example.amazonaws.com/":
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        "https://example.amazonaws.com/?Param2=value2&Param1=value1":
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    }
    for url, signature in vectors.items():
        request = httpx.Request("GET", url)
        signed = next(SigV4Auth(CREDS, "us-east-1", "service").auth_flow(request))
        assert signed.headers["authorization"] == (
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            f"SignedHeaders=host;x-amz-date, Signature={signature}")


def _botocore_signature(method: str, url: str, headers: dict[str, str], body: bytes) -> str:
    keep = {k: v for k, v in headers.items() if k not in (
        "authorization", "x-amz-date", "connection", "accept-encoding", "user-agent",
        "x-amz-security-token")}
    aws = AWSRequest(method=method, url=url, data=body, headers=keep)
    BotoSigV4(CREDS, "bedrock", "us-east-1").add_auth(aws)
    return str(aws.headers["Authorization"])


@settings(max_examples=25, deadline=None)
@given(model=st.from_regex(r"[a-z][a-zA-Z0-9.\-:_]{0,39}", fullmatch=True),
       prompt=st.text(max_size=60), temperature=st.none() | st.floats(0, 2))
def test_signature_matches_botocore_on_the_bytes_sent(model: str, prompt: str,
                                                      temperature: float | None) -> None:
    import botocore.auth

    original = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda: FROZEN
    try:
        with ReplayServer([Reply(200, {"output": {"message": {"content": [{"text": "ok"}]}},
                                       "stopReason": "end_turn"})]) as server:
            client = fluentai.Client(providers={"bedrock": {
                "region": "us-east-1", "credentials": CREDS, "base_url": server.url}},
                retry=0)
            client.chat(f"bedrock/{model}", prompt or "hi", temperature=temperature)
            sent = server.requests[0]
            expected = _botocore_signature("POST", f"{server.url}{sent.raw_path}",
                                           sent.headers, sent.body)
    finally:
        botocore.auth.get_current_datetime = original
    assert sent.raw_path == f"/model/{quote(model, safe='')}/converse"
    assert sent.headers["authorization"] == expected


def _recorded_stream() -> bytes:
    return load_cassette(recordings(__file__) / STREAM)[0].response_body


def _frames(pieces: list[bytes]) -> list[tuple[Any, bytes]]:
    parser = EventStreamParser()
    out = []
    for piece in pieces:
        out += [(m.headers.get(":event-type"), m.payload) for m in parser.feed(piece)]
    parser.close()
    return out


def test_every_split_of_recorded_bytes_decodes_the_same() -> None:
    body = _recorded_stream()
    whole = _frames([body])
    assert len(whole) > 5 and whole[0][0] == "messageStart"
    for cut in range(1, len(body)):
        assert _frames([body[:cut], body[cut:]]) == whole


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_flipped_bits_are_a_typed_error(data: st.DataObject) -> None:
    body = bytearray(_recorded_stream())
    position = data.draw(st.integers(0, len(body) - 1))
    body[position] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(MalformedStreamError):
        _frames([bytes(body)])


def test_exception_inside_the_stream_is_typed_and_keeps_partial_text() -> None:
    body = _recorded_stream()
    frames = []
    parser = EventStreamParser()
    raw_frames: list[bytes] = []
    pos = 0
    for message in parser.feed(body):
        size = 16 + len(message.payload) + sum(
            1 + len(k) + 1 + 2 + len(str(v)) for k, v in message.headers.items())
        raw_frames.append(body[pos:pos + size])
        pos += size
        frames.append(message)
    throttled = encode_message({":message-type": "exception",
                                ":exception-type": "throttlingException",
                                ":content-type": "application/json"},
                               b'{"message":"Too many requests, please wait before trying again."}')
    chunks = [*raw_frames[:3], throttled]
    headers = {"content-type": "application/vnd.amazon.eventstream"}
    with ReplayServer([Reply(200, headers=headers, chunks=chunks)]) as server, \
            pytest.raises(RateLimitError, match="throttlingException") as exc:
        list(fluentai.Client(providers={"bedrock": {
            "region": "us-east-1", "credentials": CREDS, "base_url": server.url}}, retry=0
        ).stream("bedrock/us.amazon.nova-micro-v1:0", "x"))
    assert exc.value.partial is not None and exc.value.partial.text


def test_model_ids_are_encoded_in_the_path_and_region_sets_the_host() -> None:
    [it] = load_cassette(recordings(__file__) / "bedrock/test_bedrock_error.yaml")
    with ReplayServer([Reply.from_interaction(it)]) as server, \
            pytest.raises(InvalidRequestError, match="model identifier is invalid"):
        fluentai.Client(providers={"bedrock": {"region": "us-east-1", "credentials": CREDS,
                                               "base_url": server.url}}, retry=0
                        ).chat("bedrock/us.does-not-exist-model-v1:0", "hello")
    assert server.requests[0].path == "/model/us.does-not-exist-model-v1:0/converse"
    assert fluentai.Client(env={"AWS_REGION": "eu-west-3"}).provider("bedrock").base_url == \
        "https://bedrock-runtime.eu-west-3.amazonaws.com"


def test_bedrock_api_key_is_a_bearer_token() -> None:
    [it] = load_cassette(recordings(__file__) / "bedrock/test_bedrock_model_instructions.yaml")
    with ReplayServer([Reply.from_interaction(it, path=None)]) as server:
        fluentai.Client(env={"AWS_REGION": "us-east-1",
                             "AWS_BEARER_TOKEN_BEDROCK": "bedrock-api-key-123",
                             "FLUENTAI_BEDROCK_BASE_URL": server.url}
                        ).chat("bedrock/us.amazon.nova-pro-v1:0", "hi")
        assert server.requests[0].headers["authorization"] == "Bearer bedrock-api-key-123"


# --- check: ListFoundationModels, or what to do --------------------------------------------

# No recording of ListFoundationModels exists in the shared set: this body follows the
# response syntax of the API reference (API_ListFoundationModels), trimmed to two models.
FOUNDATION_MODELS = {"modelSummaries": [
    {"modelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0",
     "modelId": "amazon.nova-micro-v1:0", "modelName": "Nova Micro", "providerName": "Amazon",
     "inputModalities": ["TEXT"], "outputModalities": ["TEXT"],
     "responseStreamingSupported": True, "modelLifecycle": {"status": "ACTIVE"}},
    {"modelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0",
     "modelId": "amazon.titan-embed-text-v2:0", "modelName": "Titan Text Embeddings V2",
     "providerName": "Amazon", "inputModalities": ["TEXT"],
     "outputModalities": ["EMBEDDING"], "modelLifecycle": {"status": "ACTIVE"}}]}


@pytest.fixture
def no_aws(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment where botocore's chain finds nothing: no variables, empty shared
    files, no instance metadata."""
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE",
                "AWS_BEARER_TOKEN_BEDROCK"):
        monkeypatch.delenv(var, raising=False)
    for var, name in (("AWS_CONFIG_FILE", "config"), ("AWS_SHARED_CREDENTIALS_FILE", "creds")):
        (tmp_path / name).write_text("")
        monkeypatch.setenv(var, str(tmp_path / name))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def _check(make: Any, **settings: Any) -> Any:
    client = make(env={}, providers={"bedrock": {"region": "us-east-1", **settings}})
    if make is fluentai.Client:
        return client.check("bedrock")
    import asyncio

    async def run() -> Any:
        async with client:
            return await client.check("bedrock")

    return asyncio.run(run())


@pytest.mark.parametrize("make", [fluentai.Client, fluentai.AsyncClient])
def test_check_lists_foundation_models_signed_for_bedrock(make: Any) -> None:
    with ReplayServer([Reply(200, FOUNDATION_MODELS, path="/foundation-models")]) as server:
        result = _check(make, credentials=CREDS, base_url=server.url)
        sent = server.requests
    assert result.ok and result.verified and result.models == 2, result
    assert len(sent) == 1 and sent[0].method == "GET"
    auth = sent[0].headers["authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/us-east-1/bedrock/aws4_request" in auth


def test_the_listing_goes_to_the_control_plane_host() -> None:
    provider = fluentai.Client(env={}, providers={"bedrock": {"region": "eu-west-3"}}
                               ).provider("bedrock")
    request = provider.encode_list_models(ListModelsRequest())
    assert str(request.url) == "https://bedrock.eu-west-3.amazonaws.com/foundation-models"


@pytest.mark.parametrize("make", [fluentai.Client, fluentai.AsyncClient])
def test_check_without_aws_credentials_says_what_to_set(no_aws: None, make: Any) -> None:
    with ReplayServer([]) as server:
        result = _check(make, base_url=server.url)
        assert server.requests == []
    assert not result.ok and not result.configured and result.error == "ConfigurationError"
    assert result.problem.startswith("not configured: No AWS credentials found")
    assert "AWS_PROFILE" in result.problem


def test_check_with_an_unknown_profile_names_it(no_aws: None) -> None:
    result = _check(fluentai.Client, profile="no-such-profile")
    assert not result.configured
    assert result.problem.startswith("not configured: AWS credentials for Bedrock could not "
                                     "be loaded")
    assert "no-such-profile" in result.problem and "Traceback" not in result.problem


def test_chat_with_an_unknown_profile_is_a_configuration_error(no_aws: None) -> None:
    from fluentai.errors import ConfigurationError

    client = fluentai.Client(env={}, providers={"bedrock": {"region": "us-east-1",
                                                            "profile": "no-such-profile"}})
    with pytest.raises(ConfigurationError, match="no-such-profile"):
        client.chat("bedrock/amazon.nova-micro-v1:0", "hi")


def test_check_without_a_region_says_so() -> None:
    result = fluentai.Client(env={}).check("bedrock")
    assert result.problem == "not configured: set AWS_REGION"
