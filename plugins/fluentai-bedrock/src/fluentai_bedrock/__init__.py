"""Amazon Bedrock: every chat model through the Converse / ConverseStream APIs (Claude,
Llama, Nova, Mistral, DeepSeek-R1...), tools, images, documents, reasoning content;
embeddings through InvokeModel (Titan, Nova, Cohere).

Requests are signed with AWS SigV4 by botocore, with botocore's standard credential chain
(environment, shared config and AWS_PROFILE, SSO, container and instance metadata), or
authorized with a Bedrock API key (AWS_BEARER_TOKEN_BEDROCK). ConverseStream's binary AWS
event-stream is decoded by core's framing, both CRC32s checked; exceptions sent inside the
stream become typed errors.
Docs followed: https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import httpx
import msgspec

from fluentai import (
    ChatResponse,
    Embedding,
    EmbeddingResponse,
    Provider,
    hookimpl,
)
from fluentai.errormap import error_from_response
from fluentai.errors import ConfigurationError, MalformedStreamError, StreamInterruptedError
from fluentai.events import (
    ErrorEvent,
    Finish,
    RawEvent,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    UsageEvent,
)
from fluentai.framing import EventStreamParser
from fluentai.optional import requires
from fluentai.request import ChatRequest, EmbedRequest, ListModelsRequest
from fluentai.toolcalls import ToolCallAssembler
from fluentai.types import (
    FilePart,
    FinishReason,
    ImagePart,
    Message,
    ModelInfo,
    Part,
    ReasoningPart,
    TextPart,
    ToolCall,
    ToolResult,
    Usage,
)

__version__ = "0.1.0"

BOTOCORE = "'botocore>=1.34'"  # a dependency of this plugin: missing only in a broken install
CREDENTIALS_HINT = ("Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE (a profile "
                    "in ~/.aws/config), or AWS_BEARER_TOKEN_BEDROCK (a Bedrock API key).")

STOP_REASONS: dict[str, FinishReason] = {
    "end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length",
    "tool_use": "tool_calls", "guardrail_intervened": "content_filter",
    "content_filtered": "content_filter", "model_context_window_exceeded": "length",
}
# Exceptions sent inside a stream, as the HTTP status they stand for.
EXCEPTION_STATUS = {
    "throttlingException": 429, "serviceUnavailableException": 503,
    "internalServerException": 500, "modelStreamErrorException": 500,
    "validationException": 400, "modelTimeoutException": 408,
    "accessDeniedException": 403, "resourceNotFoundException": 404,
}


class SigV4Auth(httpx.Auth):
    """AWS Signature Version 4 by botocore, over the exact bytes httpx will send.

    ``register`` receives the secret key and session token of the credentials each request
    is signed with (refreshable credentials change them), so they are scrubbed from errors,
    spans and logs."""

    requires_request_body = True

    def __init__(self, credentials: Any, region: str, service: str = "bedrock",
                 register: Callable[..., None] | None = None) -> None:
        self._credentials = credentials
        self._region = region
        self._service = service
        self._register = register

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        with requires(BOTOCORE, "Signing Bedrock requests"):
            from botocore.auth import SigV4Auth as BotoSigV4
            from botocore.awsrequest import AWSRequest

        with aws_errors():  # refreshing expired (SSO, assumed-role) credentials can fail
            frozen = self._credentials.get_frozen_credentials() \
                if hasattr(self._credentials, "get_frozen_credentials") else self._credentials
        if self._register is not None:
            self._register(getattr(frozen, "secret_key", None), getattr(frozen, "token", None))
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() not in ("connection", "accept-encoding", "user-agent")}
        aws = AWSRequest(method=request.method, url=str(request.url), data=request.content,
                         headers=headers)
        BotoSigV4(frozen, self._service, self._region).add_auth(aws)
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            if name in aws.headers:
                request.headers[name] = aws.headers[name]
        yield request

    def __repr__(self) -> str:
        return f"SigV4Auth(region={self._region!r}, service={self._service!r})"


@contextmanager
def aws_errors() -> Iterator[None]:
    """botocore's credential failures (an unknown AWS_PROFILE, an expired SSO session ...)
    as a ConfigurationError saying what to do, not a botocore traceback."""
    with requires(BOTOCORE, "Bedrock's AWS credentials"):
        from botocore.exceptions import BotoCoreError

    try:
        yield
    except BotoCoreError as exc:
        raise ConfigurationError(f"AWS credentials for Bedrock could not be loaded: {exc}. "
                                 f"{CREDENTIALS_HINT}", provider="bedrock") from None


# --- encoding -------------------------------------------------------------------------------

def _format(media_type: str) -> str:
    return media_type.split("/", 1)[1].replace("jpg", "jpeg")


def _block(part: Part) -> dict[str, Any]:
    if isinstance(part, TextPart):
        return {"text": part.text}
    if isinstance(part, ImagePart):
        return {"image": {"format": _format(part.media_type),
                          "source": {"bytes": base64.b64encode(part.data or b"").decode()}}}
    if isinstance(part, FilePart):
        return {"document": {"format": _format(part.media_type),
                             "name": (part.filename or "document").rsplit(".", 1)[0],
                             "source": {"bytes": base64.b64encode(part.data or b"").decode()}}}
    if isinstance(part, ReasoningPart):
        if part.redacted:
            return {"reasoningContent": {"redactedContent": part.signature or ""}}
        text: dict[str, Any] = {"text": part.text}
        if part.signature:
            text["signature"] = part.signature
        return {"reasoningContent": {"reasoningText": text}}
    if isinstance(part, ToolCall):
        return {"toolUse": {"toolUseId": part.id, "name": part.name, "input": part.arguments}}
    if isinstance(part, ToolResult):
        result: dict[str, Any] = {"toolUseId": part.tool_call_id,
                                  "content": [{"text": part.content}]}
        if part.is_error:
            result["status"] = "error"
        return {"toolResult": result}
    raise TypeError(f"{type(part).__name__} cannot be sent to Bedrock")


def encode_messages(messages: list[Message]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        role = "assistant" if m.role == "assistant" else "user"
        blocks = [_block(p) for p in m.parts]
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": blocks})
    return out


def converse_body(request: ChatRequest) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for key, value in (("maxTokens", request.max_tokens), ("temperature", request.temperature),
                       ("topP", request.top_p), ("stopSequences", request.stop)):
        if value is not None:
            config[key] = value
    body: dict[str, Any] = {
        "messages": encode_messages(request.messages),
        "system": [{"text": m.text} for m in request.messages if m.role == "system"],
        "inferenceConfig": config,
    }
    if request.tools:
        tool_config: dict[str, Any] = {"tools": [{"toolSpec": {
            "name": t.name, **({"description": t.description} if t.description else {}),
            "inputSchema": {"json": t.parameters}}} for t in request.tools]}
        choice = request.tool_choice
        if choice == "required":
            tool_config["toolChoice"] = {"any": {}}
        elif choice == "auto":
            tool_config["toolChoice"] = {"auto": {}}
        elif choice and choice != "none":
            tool_config["toolChoice"] = {"tool": {"name": choice}}
        if choice != "none":
            body["toolConfig"] = tool_config
    if request.reasoning is not None:
        budget = request.reasoning.budget_tokens or 4096
        body["additionalModelRequestFields"] = {
            "thinking": {"type": "enabled", "budget_tokens": budget}}
    body.update(request.provider_options)
    return body


# --- decoding -------------------------------------------------------------------------------

class _Usage(msgspec.Struct):
    inputTokens: int = 0
    outputTokens: int = 0
    cacheReadInputTokens: int | None = None
    cacheWriteInputTokens: int | None = None

    def to_usage(self) -> Usage:
        read, write = self.cacheReadInputTokens, self.cacheWriteInputTokens
        return Usage(self.inputTokens + (read or 0) + (write or 0), self.outputTokens, read,
                     write)


class _ToolUseStart(msgspec.Struct):
    toolUseId: str
    name: str


class _Start(msgspec.Struct):
    toolUse: _ToolUseStart | None = None


class _ReasoningDelta(msgspec.Struct):
    text: str | None = None
    signature: str | None = None
    redactedContent: str | None = None


class _ToolUseDelta(msgspec.Struct):
    input: str = ""


class _Delta(msgspec.Struct):
    text: str | None = None
    toolUse: _ToolUseDelta | None = None
    reasoningContent: _ReasoningDelta | None = None


class _StreamPayload(msgspec.Struct):
    contentBlockIndex: int = 0
    start: _Start | None = None
    delta: _Delta | None = None
    stopReason: str | None = None
    usage: _Usage | None = None
    message: str | None = None
    Message: str | None = None


class ConverseStream:
    """AWS event-stream frames -> stream events."""

    _decode = msgspec.json.Decoder(_StreamPayload).decode

    def __init__(self, provider: str, request: ChatRequest) -> None:
        self._provider = provider
        self._frames = EventStreamParser()
        self._tools = ToolCallAssembler(provider, request.partial_tool_arguments)
        self._raw = request.raw_events
        self._stop: str | None = None
        self._usage: Usage | None = None
        self._done = False

    def feed(self, data: bytes) -> list[StreamEvent]:
        out: list[StreamEvent] = []
        for frame in self._frames.feed(data):
            try:
                payload = self._decode(frame.payload)
            except (msgspec.DecodeError, msgspec.ValidationError) as exc:
                out.append(ErrorEvent(MalformedStreamError(
                    f"could not decode a stream event: {exc}", provider=self._provider,
                    raw=frame.payload)))
                return out
            if self._raw:
                out.append(RawEvent(frame.payload))
            headers = frame.headers
            if headers.get(":message-type") != "event":
                kind = str(headers.get(":exception-type") or headers.get(":error-code"))
                text = payload.message or payload.Message or kind
                status = EXCEPTION_STATUS.get(kind, 500)
                body = msgspec.json.encode({"message": f"{kind}: {text}"})
                out.append(ErrorEvent(error_from_response(self._provider, status, {}, body)))
                return out
            self._event(str(headers.get(":event-type")), payload, out)
        return out

    def _event(self, kind: str, p: _StreamPayload, out: list[StreamEvent]) -> None:
        index = p.contentBlockIndex
        if kind == "contentBlockDelta" and p.delta is not None:
            d = p.delta
            if d.text:
                out.append(TextDelta(d.text))
            elif d.toolUse is not None:
                if d.toolUse.input:
                    out.append(self._tools.delta(index, d.toolUse.input))
            elif d.reasoningContent is not None:
                r = d.reasoningContent
                if r.redactedContent:
                    out.append(ReasoningDelta("", r.redactedContent, redacted=True))
                else:
                    out.append(ReasoningDelta(r.text or "", r.signature))
        elif kind == "contentBlockStart" and p.start is not None and p.start.toolUse:
            out.append(self._tools.start(index, p.start.toolUse.toolUseId, p.start.toolUse.name))
        elif kind == "contentBlockStop" and index in self._tools:
            out.append(self._tools.end(index))
        elif kind == "messageStop":
            self._stop = p.stopReason
        elif kind == "metadata":
            self._done = True
            out.extend(self._tools.end_all())
            if p.usage is not None:
                out.append(UsageEvent(p.usage.to_usage()))
            out.append(Finish(STOP_REASONS.get(self._stop or "end_turn", "other"), self._stop))

    def close(self) -> list[StreamEvent]:
        self._frames.close()
        if self._done:
            return []
        if self._stop is not None:  # no metadata frame: finish without usage
            self._done = True
            return [*self._tools.end_all(),
                    Finish(STOP_REASONS.get(self._stop, "other"), self._stop)]
        return [ErrorEvent(StreamInterruptedError(
            "the stream ended before messageStop (connection closed early?)",
            provider=self._provider))]


class _ReasoningText(msgspec.Struct):
    text: str = ""
    signature: str | None = None


class _Reasoning(msgspec.Struct):
    reasoningText: _ReasoningText | None = None
    redactedContent: str | None = None


class _ToolUse(msgspec.Struct):
    toolUseId: str
    name: str
    input: dict[str, Any] = {}


class _Block(msgspec.Struct):
    text: str | None = None
    toolUse: _ToolUse | None = None
    reasoningContent: _Reasoning | None = None


class _OutMessage(msgspec.Struct):
    content: list[_Block] = []


class _Output(msgspec.Struct):
    message: _OutMessage | None = None


class _Converse(msgspec.Struct):
    output: _Output | None = None
    stopReason: str | None = None
    usage: _Usage | None = None


def decode_converse(provider: str, request: ChatRequest, content: bytes) -> ChatResponse:
    wire = msgspec.json.decode(content, type=_Converse)
    parts: list[Part] = []
    message = wire.output.message if wire.output else None
    for block in message.content if message else ():
        if block.text is not None:
            parts.append(TextPart(block.text))
        elif block.toolUse is not None:
            parts.append(ToolCall(block.toolUse.toolUseId, block.toolUse.name,
                                  block.toolUse.input))
        elif block.reasoningContent is not None:
            rc = block.reasoningContent
            if rc.redactedContent:
                parts.append(ReasoningPart("", rc.redactedContent, redacted=True))
            elif rc.reasoningText is not None:
                parts.append(ReasoningPart(rc.reasoningText.text, rc.reasoningText.signature))
    raw = wire.stopReason
    return ChatResponse(provider=provider, model=request.model, content=parts,
                        usage=wire.usage.to_usage() if wire.usage else Usage(),
                        finish_reason=STOP_REASONS.get(raw or "end_turn", "other"),
                        raw_finish_reason=raw)


class _FoundationModel(msgspec.Struct):
    modelId: str
    modelName: str | None = None


class _FoundationModels(msgspec.Struct):
    modelSummaries: list[_FoundationModel] = []


class Bedrock(Provider):
    name = "bedrock"
    label = "Amazon Bedrock"
    aliases = ("aws",)
    docs_url = "https://docs.aws.amazon.com/bedrock/latest/APIReference/"
    api_key_env = ("AWS_BEARER_TOKEN_BEDROCK",)
    requires_key = False  # SigV4 credentials come from botocore's chain
    option_env = {"region": ("AWS_REGION", "AWS_DEFAULT_REGION"), "profile": ("AWS_PROFILE",)}
    settings = ("credentials",)  # botocore Credentials (or anything with their attributes)
    max_embed_batch = 1  # Titan and Nova embed one text per InvokeModel call
    lists_models = True  # ListFoundationModels, on the control-plane host

    def configure(self) -> None:
        if not self.base_url:
            region = self.options.get("region")
            self.base_url = f"https://bedrock-runtime.{region}.amazonaws.com" if region else ""
        self._credentials: Any = self.options.pop("credentials", None)
        creds = self._credentials
        if creds is not None:  # explicit credentials: secret before any request is built
            self.register_secret(getattr(creds, "secret_key", None),
                                 getattr(creds, "token", None))

    def missing_settings(self) -> str | None:
        return None if self.options.get("region") else "set AWS_REGION"

    def auth(self) -> httpx.Auth:
        if self._api_key is not None:  # a Bedrock API key: a bearer token (core's auth)
            return super().auth()
        if self._auth is not None:
            return self._auth
        region = self.options.get("region")
        if not region:
            raise ConfigurationError("No AWS region for Bedrock: set AWS_REGION (or pass "
                                     "region=...).", provider=self.name, env_var="AWS_REGION")
        credentials = self._credentials
        if credentials is None:
            with requires(BOTOCORE, "Bedrock's AWS credential chain"):
                import botocore.session

            with aws_errors():
                session = botocore.session.Session(profile=self.options.get("profile"))
                credentials = session.get_credentials()
            if credentials is None:
                raise ConfigurationError(f"No AWS credentials found. {CREDENTIALS_HINT}",
                                         provider=self.name, env_var="AWS_ACCESS_KEY_ID")
        signer = SigV4Auth(credentials, region, register=self.register_secret)
        self._auth = signer
        return signer

    def url(self, path: str) -> str:
        if not self.base_url:
            raise ConfigurationError("No AWS region for Bedrock: set AWS_REGION.",
                                     provider=self.name, env_var="AWS_REGION")
        return self.base_url + path

    def encode_list_models(self, request: ListModelsRequest) -> httpx.Request:
        """ListFoundationModels: the same SigV4 signing name ("bedrock") on the control-plane
        host (``bedrock.<region>``) beside the runtime one."""
        url = httpx.URL(self.url("/foundation-models"))
        control = url.copy_with(host=url.host.replace("bedrock-runtime", "bedrock", 1))
        return httpx.Request("GET", control, headers={"accept": "application/json",
                                                      **request.headers})

    def decode_list_models(self, request: ListModelsRequest,
                           response: httpx.Response) -> list[ModelInfo]:
        wire = msgspec.json.decode(response.content, type=_FoundationModels)
        return [ModelInfo(id=m.modelId, provider=self.name, name=m.modelName, live=True)
                for m in wire.modelSummaries]

    @staticmethod
    def model_path(model: str) -> str:
        return f"/model/{quote(model, safe='')}"

    def encode_chat(self, request: ChatRequest) -> httpx.Request:
        action = "converse-stream" if request.stream else "converse"
        return self.json_request("POST", f"{self.model_path(request.model)}/{action}",
                                 converse_body(request), request.headers)

    def decode_chat(self, request: ChatRequest, response: httpx.Response) -> ChatResponse:
        return decode_converse(self.name, request, response.content)

    def stream_decoder(self, request: ChatRequest) -> ConverseStream:
        return ConverseStream(self.name, request)

    def encode_embed(self, request: EmbedRequest) -> httpx.Request:
        model, texts = request.model, request.inputs
        body: dict[str, Any]
        if "cohere" in model:
            body = {"texts": texts, "input_type": "search_query"
                    if request.input_type == "query" else "search_document"}
        elif "nova" in model:
            params: dict[str, Any] = {"embeddingPurpose": "GENERIC_RETRIEVAL",
                                      "text": {"value": texts[0], "truncationMode": "NONE"}}
            if request.dimensions is not None:
                params["embeddingDimension"] = request.dimensions
            body = {"taskType": "SINGLE_EMBEDDING", "singleEmbeddingParams": params}
        else:  # Titan
            body = {"inputText": texts[0]}
            if request.dimensions is not None:
                body["dimensions"] = request.dimensions
        body.update(request.provider_options)
        return self.json_request("POST", f"{self.model_path(model)}/invoke", body,
                                 request.headers)

    def decode_embed(self, request: EmbedRequest, response: httpx.Response) -> EmbeddingResponse:
        data = msgspec.json.decode(response.content)
        raw = data.get("embeddings", data.get("embedding"))
        if isinstance(raw, dict):  # Cohere with embedding_types
            raw = next(iter(raw.values()))
        if raw and isinstance(raw[0], dict):  # Nova
            raw = [item["embedding"] for item in raw]
        elif raw and not isinstance(raw[0], list):  # Titan: one vector
            raw = [raw]
        tokens = int(data.get("inputTextTokenCount", 0))
        return EmbeddingResponse(provider=self.name, model=request.model,
                                 embeddings=[Embedding(i, v) for i, v in enumerate(raw or [])],
                                 usage=Usage(tokens))


@hookimpl
def fluentai_providers() -> list[type[Provider]]:
    return [Bedrock]

