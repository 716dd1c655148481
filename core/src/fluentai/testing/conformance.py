"""The conformance kit: the standard cases every provider plugin must pass, run offline on
recordings of its provider's traffic through a real HTTP server on 127.0.0.1.

A plugin enables it with a few lines::

    from fluentai.testing.conformance import Case, ProviderSuite

    class TestConformance(ProviderSuite):
        provider = "groq"
        capabilities = {"chat", "stream", "tools"}
        cases = {
            "chat": Case("groq/test_groq_model_instructions.yaml", model="llama-3.3-70b",
                         expect_text="..."),
            "stream_tools": Case("groq/...yaml", stream=True, expect_tool_calls=[...]),
        }

Cases the provider cannot do (per ``capabilities``) are skipped, saying so; a case with no
recording supplied is skipped with the name of the recording it needs. Everything that
needs no provider-specific bytes (configuration, error classes, secret redaction, base URL
override, installability) always runs. See spec/conformance.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
import traceback
from collections.abc import Callable
from importlib.metadata import entry_points, requires
from pathlib import Path
from typing import Any, ClassVar

import msgspec
import pytest

import fluentai
from fluentai import errors as e
from fluentai import log
from fluentai.events import (
    Finish,
    ResponseStart,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    UsageEvent,
)
from fluentai.plugins import Registry
from fluentai.retry import RetryPolicy

from .cassettes import Interaction, find_recording, load_cassette, recordings
from .server import ReplayServer, Reply

SECRET = "sk-conformance-SECRET-3f9a1c77"
CANARY = "sk-canary-7f3c9e1d-CREDENTIAL"  # a credential servers echo back in the kit


class Credentials(msgspec.Struct, kw_only=True):
    """One way of authenticating: the provider settings, and the secret values a server
    could echo (each must be scrubbed everywhere)."""

    settings: dict[str, Any]
    secrets: list[str]


def _span_exporter() -> Any:
    """An in-memory exporter on the OpenTelemetry SDK's tracer provider (installed once)."""
    global _EXPORTER
    if _EXPORTER is None:
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
            InMemorySpanExporter,
        )

        provider = trace.get_tracer_provider()
        if not isinstance(provider, TracerProvider):
            provider = TracerProvider()
            trace.set_tracer_provider(provider)
        _EXPORTER = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
    return _EXPORTER


_EXPORTER: Any = None


def _span_record(span: Any) -> dict[str, Any]:
    """Everything a span exports that could carry text."""
    return {"name": span.name, "attributes": dict(span.attributes or {}),
            "status": span.status.description,
            "events": [(ev.name, dict(ev.attributes or {})) for ev in span.events]}
KIT_RECORDINGS = Path(__file__).parent / "recordings"  # the kit's own, shipped with it


class Case(msgspec.Struct, kw_only=True):
    """A recorded exchange and what fluentai must make of it."""

    recording: str  # relative to the suite's recordings/ folder, or absolute
    model: str = "test-model"
    prompt: Any = "Hello"
    stream: bool = False
    interaction: int = 0
    call: dict[str, Any] = {}  # extra keyword arguments for chat/stream
    url: str | None = None  # for body-only recordings (.json, .chunks.txt): the request path
    event_from_type: bool = False  # .chunks.txt: SSE event name from the payload's "type"
    done: bool = False  # .chunks.txt: append "data: [DONE]"
    expect_text: str | None = None
    expect_tool_calls: list[tuple[str, dict[str, Any]]] | None = None
    expect_reasoning: bool | None = None
    expect_usage: tuple[int, int] | None = None
    expect_finish: str | None = None
    expect_error: str | None = None  # an error class name from fluentai.errors
    expect_request: bool = False  # compare the sent JSON body with the recorded one

    def reply(self, **kw: Any) -> Reply:
        """The recorded response, served only at the recorded path when one is known."""
        it = self.interactions()[self.interaction]
        known = it.url != "http://recorded/"
        return Reply.from_interaction(it, **{"path": it.path if known else None, **kw})

    def interactions(self) -> list[Interaction]:
        """The recording's exchanges (``recording`` as the suite resolved it)."""
        return load_cassette(self.recording, url=self.url or "http://recorded/",
                             event_from_type=self.event_from_type, done=self.done)


# Which capability each standard case needs.
CASE_CAPABILITY = {
    "chat": "chat", "stream": "stream", "multi_turn": "chat", "stop_sequences": "chat",
    "tool_call": "tools", "parallel_tool_calls": "tools", "stream_tools": "tools",
    "tool_no_arguments": "tools", "tool_unicode_arguments": "tools", "tool_choice": "tools",
    "tool_result_history": "tools", "tool_error_result": "tools",
    "structured_output": "json", "json_mode": "json", "image_input": "vision",
    "pdf_input": "pdf", "audio_input": "audio", "reasoning": "reasoning",
    "stream_reasoning": "reasoning", "usage": "chat", "stream_usage": "stream",
    "length_finish": "chat", "content_filter": "chat", "models": "models",
    "embeddings": "embeddings", "rerank": "rerank", "provider_error": "chat",
    "stream_error": "stream",
}

ERROR_STATUSES: dict[int, str] = {
    400: "InvalidRequestError", 401: "AuthenticationError", 403: "PermissionDeniedError",
    404: "NotFoundError", 408: "RequestTimeoutError", 409: "ConflictError",
    429: "RateLimitError", 500: "ServerError", 503: "ServerError", 529: "OverloadedError",
}


def check_grammar(events: list[StreamEvent]) -> None:
    """Assert the stream-event grammar of spec/stream-events.md."""
    assert events, "the stream produced no events"
    assert type(events[-1]) is Finish, f"the last event must be Finish, got {events[-1]!r}"
    assert sum(type(ev) is Finish for ev in events) == 1, "exactly one Finish"
    starts = [i for i, ev in enumerate(events) if type(ev) is ResponseStart]
    assert starts in ([], [0]), "ResponseStart may only come first"
    open_calls: dict[int, ToolCallStart] = {}
    for ev in events:
        if type(ev) is ToolCallStart:
            assert ev.index not in open_calls, f"tool call index {ev.index} started twice"
            open_calls[ev.index] = ev
        elif type(ev) is ToolCallDelta:
            assert ev.index in open_calls, f"arguments for tool call {ev.index} before start"
        elif type(ev) is ToolCallEnd:
            start = open_calls.pop(ev.index, None)
            assert start is not None, f"tool call {ev.index} ended without a start"
            assert (start.id, start.name) == (ev.id, ev.name), "tool call id/name changed"
    assert not open_calls, f"tool calls started but never ended: {sorted(open_calls)}"


class ProviderSuite:
    """Subclass as ``TestSomething(ProviderSuite)`` and set the class attributes."""

    provider: ClassVar[str]
    capabilities: ClassVar[set[str]] = {"chat", "stream"}
    cases: ClassVar[dict[str, Case]] = {}
    base_path: ClassVar[str] = ""  # appended to the server URL to form the base URL
    settings: ClassVar[dict[str, Any]] = {}  # other provider settings (region, account, ...)
    error_body: ClassVar[dict[str, Any] | None] = None  # the provider's error body shape
    distribution: ClassVar[str | None] = None  # defaults to fluentai-<provider>
    plugins: ClassVar[list[Any]] = []  # extra plugin objects (beside the entry points)
    default_base_url: ClassVar[str | None] = None  # where requests go with no override
    chat_path: ClassVar[str | None] = None  # the path a chat request must reach
    recordings: ClassVar[Path | None] = None  # default: the recordings/ beside the suite

    @classmethod
    def recordings_folder(cls) -> Path:
        """Where the suite's cases find their recordings (its own, inside its repository)."""
        if cls.recordings is not None:
            return cls.recordings
        return recordings(sys.modules[cls.__module__].__file__ or ".")

    # --- helpers --------------------------------------------------------------------

    def registry(self) -> Registry:
        return Registry(self.plugins)

    def client(self, server: ReplayServer, **kw: Any) -> fluentai.Client:
        settings = {"api_key": SECRET, "base_url": server.url + self.base_path,
                    **self.settings, **kw}
        return fluentai.Client(registry=self.registry(), providers={self.provider: settings},
                               retry=0, circuit_breaker=False)  # one request, one reply

    def case(self, name: str) -> Case:
        need = CASE_CAPABILITY.get(name)
        if need and need not in self.capabilities:
            pytest.skip(f"{self.provider} does not support {need} (declared capabilities)")
        found = self.cases.get(name)
        if found is None:
            pytest.skip(f"no recording supplied for the {name!r} case")
        path = find_recording(found.recording, self.recordings_folder())
        return msgspec.structs.replace(found, recording=str(path))

    def run_case(self, name: str) -> None:
        case = self.case(name)
        it = case.interactions()[case.interaction]
        with ReplayServer([case.reply()]) as server:
            client = self.client(server)
            model = f"{self.provider}/{case.model}"
            if case.expect_error:
                with pytest.raises(e.FluentAIError) as info:
                    self._call(client, model, case)
                assert type(info.value).__name__ == case.expect_error or any(
                    c.__name__ == case.expect_error for c in type(info.value).__mro__), (
                    f"{name}: expected {case.expect_error}, got {type(info.value).__name__}: "
                    f"{info.value}")
                assert SECRET not in str(info.value)
                return
            response, events = self._call(client, model, case)
            sent = server.requests[0]
        if events is not None:
            check_grammar(events)
            self._stream_matches_response(events, response)
        self._expectations(name, case, response)
        if case.expect_request and it.request_body:
            assert sent.json == it.request_json, f"{name}: the request body differs from the " \
                                                 f"recorded one"

    def _call(self, client: fluentai.Client, model: str, case: Case
              ) -> tuple[fluentai.ChatResponse, list[StreamEvent] | None]:
        if case.stream:
            stream = client.stream(model, case.prompt, **case.call)
            events = list(stream)
            assert stream.response is not None
            return stream.response, events
        return client.chat(model, case.prompt, **case.call), None

    def any_call(self, client: fluentai.Client) -> object:
        """The simplest operation the provider supports."""
        model = f"{self.provider}/test-model"
        if "chat" in self.capabilities:
            return client.chat(model, "Hello")
        if "embeddings" in self.capabilities:
            return client.embed(model, "Hello")
        return client.rerank(model, "query", ["a document"])

    @staticmethod
    def _stream_matches_response(events: list[StreamEvent],
                                 response: fluentai.ChatResponse) -> None:
        text = "".join(ev.text for ev in events if type(ev) is TextDelta)
        assert text == response.text, "the collected text differs from the text deltas"
        ends = [(ev.name, ev.arguments) for ev in events if type(ev) is ToolCallEnd]
        assert ends == [(c.name, c.arguments) for c in response.tool_calls], \
            "the collected tool calls differ from the streamed ones"
        usage = [ev.usage for ev in events if type(ev) is UsageEvent]
        if usage:
            assert usage[-1] == response.usage

    @staticmethod
    def _expectations(name: str, case: Case, r: fluentai.ChatResponse) -> None:
        if case.expect_text is not None:
            assert r.text == case.expect_text, f"{name}: text {r.text!r}"
        if case.expect_tool_calls is not None:
            got = [(c.name, c.arguments) for c in r.tool_calls]
            assert got == [tuple(x) for x in case.expect_tool_calls], f"{name}: tool calls {got}"
            assert len({c.id for c in r.tool_calls}) == len(r.tool_calls), "tool call ids repeat"
        if case.expect_reasoning is not None:
            assert bool(r.reasoning) == case.expect_reasoning, f"{name}: reasoning"
        if case.expect_usage is not None:
            got_usage = (r.usage.input_tokens, r.usage.output_tokens)
            assert got_usage == tuple(case.expect_usage), f"{name}: usage {got_usage}"
        if case.expect_finish is not None:
            assert r.finish_reason == case.expect_finish, f"{name}: finish {r.finish_reason}"

    # --- recorded cases -------------------------------------------------------------

    @pytest.mark.parametrize("name", sorted(CASE_CAPABILITY))
    def test_case(self, name: str) -> None:
        if name in ("models", "embeddings", "rerank"):
            getattr(self, f"_{name}")(self.case(name))
        else:
            self.run_case(name)

    def _models(self, case: Case) -> None:
        with ReplayServer([case.reply()]) as server:
            models = self.client(server).models(self.provider)
        assert any(m.live for m in models), "no model came from the live listing"

    def _embeddings(self, case: Case) -> None:
        with ReplayServer([case.reply()]) as server:
            r = self.client(server).embed(f"{self.provider}/{case.model}", case.prompt,
                                          **case.call)
        assert r.vectors and all(len(v) for v in r.vectors)

    def _rerank(self, case: Case) -> None:
        query, docs = case.prompt
        with ReplayServer([case.reply()]) as server:
            r = self.client(server).rerank(f"{self.provider}/{case.model}", query, docs,
                                           **case.call)
        assert r.results and all(0 <= x.index < len(docs) for x in r.results)

    def test_stream_cut_short_keeps_partial_output(self) -> None:
        case = self.case("stream")
        it = case.interactions()[case.interaction]
        frames = Reply.from_interaction(it).chunks
        if len(frames) < 3:
            pytest.skip("the stream recording has too few frames to cut")
        cut = Reply(200, headers=it.response_headers, chunks=frames[: len(frames) // 2])
        with ReplayServer([cut]) as server, pytest.raises(e.StreamInterruptedError) as info:
            list(self.client(server).stream(f"{self.provider}/{case.model}", case.prompt,
                                            **case.call))
        assert info.value.partial is not None

    def test_connection_drop_mid_stream_is_typed(self) -> None:
        case = self.case("stream")
        frames = len(case.reply().chunks)
        if frames < 2:
            pytest.skip("the stream recording has too few frames to cut")
        with ReplayServer([case.reply(drop_after=frames - 1)]) as server, \
                pytest.raises(e.StreamInterruptedError) as info:
            list(self.client(server).stream(f"{self.provider}/{case.model}", case.prompt,
                                            **case.call))
        assert info.value.partial is not None

    def test_a_drop_before_any_output_is_retried(self) -> None:
        case = self.case("stream")
        with ReplayServer([case.reply(drop_after=0), case.reply()]) as server:
            events = list(self.client(server).stream(
                f"{self.provider}/{case.model}", case.prompt, **case.call,
                retry=RetryPolicy(max_attempts=2, initial_backoff=0.01)))
        assert type(events[-1]) is Finish and len(server.requests) == 2

    def test_a_garbage_chunk_is_a_malformed_stream_error(self) -> None:
        case = self.case("stream")
        it = case.interactions()[case.interaction]
        frames = list(Reply.from_interaction(it).chunks)
        if len(frames) < 3:
            pytest.skip("the stream recording has too few frames to corrupt")
        middle = len(frames) // 2
        frames[middle] = frames[middle].replace(b"{", b"{\x01garbage", 1)
        bad = Reply(200, headers=it.response_headers, chunks=frames)
        with ReplayServer([bad]) as server, pytest.raises(e.MalformedStreamError) as info:
            list(self.client(server).stream(f"{self.provider}/{case.model}", case.prompt,
                                            **case.call))
        assert info.value.raw, "the undecodable bytes must be kept on .raw"

    def test_leaving_a_stream_early_frees_the_connection(self) -> None:
        case = self.case("stream")
        reply = case.reply()
        with ReplayServer([reply, reply]) as server:
            client = self.client(server)
            model = f"{self.provider}/{case.model}"
            with client.stream(model, case.prompt, **case.call) as stream:
                next(iter(stream))
            events = list(client.stream(model, case.prompt, **case.call))
        assert type(events[-1]) is Finish and len(server.requests) == 2

    # --- cases that need no recording -----------------------------------------------

    def test_an_html_error_page_is_typed(self) -> None:
        """A proxy in front of the provider answers with HTML, not the provider's JSON."""
        page = Reply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>",
                     headers={"content-type": "text/html"})
        with ReplayServer([page]) as server, pytest.raises(e.ServerError) as info:
            self.any_call(self.client(server))
        assert info.value.status_code == 502 and "502" in str(info.value)

    @pytest.mark.parametrize("status", sorted(ERROR_STATUSES))
    def test_error_mapping(self, status: int) -> None:
        body = self.error_body or {"error": {"message": f"status {status} from the provider "
                                                        f"(key {SECRET})",
                                             "type": "error"}}
        headers = {"retry-after": "3"} if status == 429 else {}
        with ReplayServer([Reply(status, body, headers=headers)]) as server, \
                pytest.raises(e.APIStatusError) as info:
            self.any_call(self.client(server))
        expected = getattr(e, ERROR_STATUSES[status])
        assert isinstance(info.value, expected), (
            f"HTTP {status} must map to {expected.__name__}, got {type(info.value).__name__}")
        assert info.value.status_code == status
        assert SECRET not in str(info.value) and SECRET not in repr(info.value.args)
        if status == 429:
            assert info.value.retry_after == 3.0

    def test_missing_key_names_the_environment_variable(self) -> None:
        cls = self.registry().provider_class(self.provider)
        if not cls.requires_key:
            pytest.skip(f"{self.provider} needs no key")
        client = fluentai.Client(registry=self.registry(), env={}, providers={
            self.provider: {k: v for k, v in self.settings.items()}})
        with pytest.raises(e.ConfigurationError) as info:
            self.any_call(client)
        for var in cls.api_key_env[:1]:
            assert var in str(info.value)

    def test_configuration_from_the_environment(self) -> None:
        cls = self.registry().provider_class(self.provider)
        with ReplayServer([Reply(599, {})]) as server:
            env = {f"FLUENTAI_{self.provider.upper().replace('-', '_')}_BASE_URL":
                   server.url + self.base_path}
            if cls.api_key_env:
                env[cls.api_key_env[0]] = SECRET
            provider = fluentai.Client(registry=self.registry(), env=env,
                                       providers={self.provider: dict(self.settings)}
                                       ).provider(self.provider)
        assert provider.configured
        assert provider.base_url.startswith(server.url)

    def test_check_is_one_authenticated_request(self) -> None:
        """``check`` sends exactly one request carrying the credentials (a rejection is an
        AuthenticationError, not "ok"), or, with nothing to verify with, sends none and
        says "configured, not verified"."""
        body = self.error_body or {"error": {"message": "invalid key", "type": "auth"}}
        with ReplayServer([Reply(401, body)]) as server:
            client = self.client(server)
            verifiable = client.provider(self.provider).check_request() is not None
            result = client.check(self.provider)
            sent = server.requests
        if not verifiable:
            assert sent == [] and result.configured and not result.ok
            assert (result.problem or "").startswith("configured, not verified: ")
            return
        assert len(sent) == 1, f"check sent {len(sent)} requests"
        assert any(SECRET in v for v in sent[0].headers.values()) or SECRET in sent[0].query, \
            "the check request does not carry the credentials"
        assert not result.ok and result.configured and result.error == "AuthenticationError"
        assert SECRET not in (result.problem or "")

    def credentials(self, stack: contextlib.ExitStack) -> dict[str, Credentials]:
        """Each way this provider authenticates, configured with canary credentials, and
        every secret value a server could echo back. The default is the API key; plugins
        that hold or obtain other credentials (AWS keys and session tokens, OAuth and Entra
        tokens, service-account keys) add theirs. ``stack`` keeps alive what they need
        (a local token endpoint, environment variables) until the test ends."""
        return {"api key": Credentials(settings={"api_key": CANARY}, secrets=[CANARY])}

    def test_no_credential_in_any_artifact(self) -> None:
        """A server echoes every credential in its error bodies and request ids; not one
        reaches an error (str, repr, args, body, traceback), a span or a log line, whether
        the call is sync or async, streamed or not, retried or not."""
        spans = _span_exporter()
        with contextlib.ExitStack() as stack:
            for way, creds in self.credentials(stack).items():
                spans.clear()
                artifacts = self._echoed_failures(creds)
                artifacts += [repr(_span_record(span)) for span in spans.get_finished_spans()]
                assert spans.get_finished_spans(), "no span was recorded"
                for secret in creds.secrets:
                    found = sum(text.count(secret) for text in artifacts)
                    assert found == 0, f"{way}: a credential appears {found} times in " \
                        f"{next(t for t in artifacts if secret in t)[:300]!r}"

    def _echoed_failures(self, creds: Credentials) -> list[str]:
        """Every artifact of failed calls against a server that echoes ``creds``."""
        echo = " ".join(creds.secrets)
        body = {"error": {"message": f"invalid credentials: {echo}", "type": "auth",
                          "details": [{"credential": s} for s in creds.secrets]}}
        headers = {"x-request-id": creds.secrets[0]}
        calls: list[Callable[[fluentai.Client], object]] = [self.any_call]
        if "stream" in self.capabilities and "chat" in self.capabilities:
            calls.append(lambda c: c.stream(f"{self.provider}/test-model", "Hello").collect())
        errors: list[BaseException] = []
        stderr = io.StringIO()
        logger, real_stderr = log._logger, sys.stderr
        sys.stderr = stderr
        try:
            log.configure(json=True)
            with ReplayServer([Reply(500, body, headers=headers), Reply(401, body,
                                                                          headers=headers)]
                              * (len(calls) + 1)) as server:
                settings = {**self.settings, "base_url": server.url + self.base_path,
                            **creds.settings}
                client = fluentai.Client(
                    registry=self.registry(), providers={self.provider: settings},
                    circuit_breaker=False,
                    retry=RetryPolicy(max_attempts=2, initial_backoff=0.01, jitter=0))
                for call in calls:
                    with pytest.raises(e.FluentAIError) as info:
                        call(client)
                    errors.append(info.value)
                errors.extend(self._async_failure(settings))
                shown = [repr(client.provider(self.provider)), repr(client.provider(
                    self.provider).auth())]
        finally:
            sys.stderr, log._logger = real_stderr, logger
        assert stderr.getvalue(), "nothing was logged"
        for error in errors:
            assert isinstance(error, e.APIStatusError), f"expected the echoed error, got " \
                f"{type(error).__name__}: {error}"
            shown += [str(error), repr(error), repr(error.args), repr(error.body),
                      repr(error.request_id), "".join(traceback.format_exception(error))]
        return [*shown, stderr.getvalue()]

    def _async_failure(self, settings: dict[str, Any]) -> list[BaseException]:
        async def run() -> BaseException:
            async with fluentai.AsyncClient(
                    registry=self.registry(), providers={self.provider: settings},
                    circuit_breaker=False,
                    retry=RetryPolicy(max_attempts=2, initial_backoff=0.01, jitter=0)) as c:
                model = f"{self.provider}/test-model"
                try:
                    if "chat" in self.capabilities:
                        await c.chat(model, "Hello")
                    elif "embeddings" in self.capabilities:
                        await c.embed(model, "Hello")
                    else:
                        await c.rerank(model, "query", ["a document"])
                except e.FluentAIError as exc:
                    return exc
            raise AssertionError("the echoing server answered with errors only")
        return [asyncio.run(run())]

    def test_secrets_never_shown(self) -> None:
        with ReplayServer([]) as server:
            provider = self.client(server).provider(self.provider)
            shown = [repr(provider), str(provider), repr(provider.options)]
            try:
                shown.append(repr(provider.auth()))
            except e.FluentAIError as exc:
                shown.append(str(exc))
        for text in shown:
            assert SECRET not in text, f"the key appears in {text[:80]!r}"

    def test_default_endpoint_and_key_variable(self) -> None:
        if self.default_base_url is None:
            pytest.skip("no default_base_url declared")
        cls = self.registry().provider_class(self.provider)
        env = {cls.api_key_env[0]: SECRET} if cls.api_key_env else {}
        provider = fluentai.Client(registry=self.registry(), env=env,
                                   providers={self.provider: dict(self.settings)}
                                   ).provider(self.provider)
        assert provider.base_url == self.default_base_url
        assert provider.configured, f"{cls.api_key_env[:1]} did not configure the provider"

    def test_chat_reaches_its_endpoint(self) -> None:
        """A recorded OpenAI-compatible answer (Together's, through the Hugging Face router)
        stands in for providers of that dialect with no recording of their own."""
        from ..wire.openai import OpenAICompatible

        if self.chat_path is None:
            pytest.skip("no chat_path declared")
        if not issubclass(self.registry().provider_class(self.provider), OpenAICompatible):
            pytest.skip("the stand-in recording is OpenAI-compatible; this provider is not")
        it = load_cassette(KIT_RECORDINGS / "huggingface" / "test_request_simple_usage.yaml")[0]
        with ReplayServer([Reply(200, it.response_body, headers=it.response_headers)]) as srv:
            r = self.client(srv).chat(f"{self.provider}/org/some-model", "Hello")
            sent = srv.requests[0]
        assert sent.path == self.base_path + self.chat_path, f"request went to {sent.path}"
        assert SECRET in " ".join(sent.headers.values()), "the key was not sent"
        assert sent.json["model"] == "org/some-model"
        assert r.text and r.usage.input_tokens == it.response_json["usage"]["prompt_tokens"]

    def test_registered_through_its_entry_point(self) -> None:
        names = {ep.name for ep in entry_points(group="fluentai.providers")}
        assert self.provider in names or self.provider in {
            a for cls in self.registry().providers.values() for a in (cls.name, *cls.aliases)}

    def test_installs_with_core_alone(self) -> None:
        dist = self.distribution or f"fluentai-{self.provider}"
        reqs = [r.split(";")[0].strip() for r in requires(dist) or []]
        core = [r for r in reqs if r.lower().replace("_", "-").startswith("fluentai-core")]
        others = [r for r in reqs if r.lower().startswith("fluentai-")
                  and not r.lower().replace("_", "-").startswith("fluentai-core")]
        assert core, f"{dist} must depend on fluentai-core"
        assert not others, f"{dist} must not depend on other fluentai plugins: {others}"


__all__ = ["CANARY", "CASE_CAPABILITY", "Case", "Credentials", "ProviderSuite",
           "check_grammar"]
