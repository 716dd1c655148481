"""OpenTelemetry for every operation, after the GenAI semantic conventions.

One CLIENT span per operation (``chat gpt-4o``) with the request and response attributes,
child spans for the framework's own steps (encode + auth, transport, decode), retries and
fallbacks as span events, time to first chunk; the ``gen_ai.client.*`` histograms. Core
depends on ``opentelemetry-api`` only: with no SDK installed or no tracer provider set,
every call here is a no-op whose cost is one ``is_recording()`` check, and nothing runs per
stream chunk. ``setup_tracing`` (extra ``fluentai-core[otel]``) exports over OTLP/HTTP, to
Jaeger for example (docs/tracing.md).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from . import log, redact
from ._lazy import metrics, trace

if TYPE_CHECKING:
    from opentelemetry.trace import Span

    from .provider import Provider
    from .request import AnyRequest
    from .types import ChatResponse


class _Instruments:
    """The tracer and histograms, made with the first operation (opentelemetry is not
    imported before)."""

    def __init__(self) -> None:
        self.tracer = trace.get_tracer("fluentai")
        meter = metrics.get_meter("fluentai")
        self.tokens = meter.create_histogram(
            "gen_ai.client.token.usage", unit="{token}",
            description="Input and output tokens per operation")
        self.duration = meter.create_histogram(
            "gen_ai.client.operation.duration", unit="s",
            description="Duration of GenAI operations")
        self.first_chunk = meter.create_histogram(
            "gen_ai.client.operation.time_to_first_chunk", unit="s",
            description="Time to the first streamed chunk")


@cache
def _otel() -> _Instruments:
    return _Instruments()

OPERATIONS = {"ChatRequest": "chat", "EmbedRequest": "embeddings", "RerankRequest": "rerank",
              "TranscribeRequest": "transcription", "ListModelsRequest": "list_models",
              "CheckRequest": "check"}


def capture_content() -> bool:
    return os.environ.get("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
                          "").lower() == "true"


class Operation:
    """One traced operation; created by ``start`` and closed by ``end`` or ``fail``."""

    __slots__ = ("attributes", "secrets", "span", "started")

    def __init__(self, span: Span, attributes: dict[str, Any],
                 secrets: Callable[[], list[str]]) -> None:
        self.span = span
        self.attributes = attributes  # the metric attributes
        self.secrets = secrets  # read when used: tokens obtained mid-call count too
        self.started = time.perf_counter()
        if log.enabled():
            self.log("request.start", **attributes)

    def log(self, name: str, level: str = "info", **fields: Any) -> None:
        log.event(name, self.secrets(), level, _span_context=self.span.get_span_context(),
                  **fields)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """A child span for one of the framework's steps (only when tracing records)."""
        if not self.span.is_recording():
            yield
            return
        with _otel().tracer.start_as_current_span(
                name, context=trace.set_span_in_context(self.span),
                kind=trace.SpanKind.INTERNAL):
            yield

    def retry(self, attempt: int, error: BaseException, wait: float) -> None:
        if log.enabled():
            self.log("request.retry", "warning", attempt=attempt, wait_seconds=round(wait, 3),
                     error_type=type(error).__name__, error=str(error))  # log() scrubs
        if self.span.is_recording():
            self.span.add_event("retry", {"attempt": attempt, "error.type": type(error).__name__,
                                          "wait_seconds": wait})

    def fallback(self, skipped: str, error: BaseException) -> None:
        if self.span.is_recording():
            self.span.add_event("fallback", {"skipped_model": skipped,
                                             "error.type": type(error).__name__})

    def responded(self, http_version: str) -> None:
        """The server answered: which protocol carried it (HTTP/1.1, 2 or 3)."""
        if self.span.is_recording():
            self.span.set_attribute("network.protocol.version",
                                    http_version.removeprefix("HTTP/"))

    def first_chunk(self) -> None:
        elapsed = time.perf_counter() - self.started
        _otel().first_chunk.record(elapsed, self.attributes)
        if self.span.is_recording():
            self.span.set_attribute("gen_ai.response.time_to_first_chunk", elapsed)

    def end(self, result: Any) -> None:
        span = self.span
        usage = getattr(result, "usage", None)
        if usage is not None:
            tokens = _otel().tokens
            tokens.record(usage.input_tokens, {**self.attributes, "gen_ai.token.type": "input"})
            tokens.record(usage.output_tokens,
                          {**self.attributes, "gen_ai.token.type": "output"})
        elapsed = time.perf_counter() - self.started
        _otel().duration.record(elapsed, self.attributes)
        if log.enabled():
            self.log("request.end", model=getattr(result, "model", None),
                     input_tokens=usage.input_tokens if usage else None,
                     output_tokens=usage.output_tokens if usage else None,
                     cost_usd=getattr(result, "cost", None), duration_s=round(elapsed, 4))
        if span.is_recording():
            attrs: dict[str, Any] = {}
            if usage is not None:
                attrs["gen_ai.usage.input_tokens"] = usage.input_tokens
                attrs["gen_ai.usage.output_tokens"] = usage.output_tokens
            for key, name in (("gen_ai.response.model", "model"), ("gen_ai.response.id", "id"),
                              ("fluentai.cost_usd", "cost")):
                value = getattr(result, name, None)
                if value is not None:
                    attrs[key] = value
            if hasattr(result, "finish_reason"):
                attrs["gen_ai.response.finish_reasons"] = [result.finish_reason]
                if capture_content():
                    attrs["gen_ai.output.messages"] = _content(result)
            span.set_attributes(attrs)
        span.end()

    def fail(self, error: BaseException) -> None:
        _otel().duration.record(time.perf_counter() - self.started,
                        {**self.attributes, "error.type": type(error).__name__})
        if log.enabled():
            self.log("request.error", "error", error_type=type(error).__name__,
                     error=str(error))
        if self.span.is_recording():
            self.span.set_attribute("error.type", type(error).__name__)
            phase = getattr(error, "phase", None)
            if phase is not None:
                self.span.set_attribute("fluentai.timeout.phase", phase)
            self.span.set_status(trace.Status(trace.StatusCode.ERROR,
                                              redact.scrub(str(error), self.secrets())))
            partial = getattr(error, "partial", None)
            if partial is not None:
                self.span.set_attribute("gen_ai.usage.output_tokens", partial.usage.output_tokens)
        self.span.end()


def _content(result: ChatResponse) -> str:
    import msgspec

    return msgspec.json.encode(result.content).decode()


class _Off(Operation):
    """Telemetry switched off (FLUENTAI_TELEMETRY=off): no spans, metrics or logs at all."""

    def __init__(self) -> None:
        self.span = trace.INVALID_SPAN
        self.attributes = {}
        self.secrets = list
        self.started = 0.0

    def retry(self, attempt: int, error: BaseException, wait: float) -> None:
        pass

    def responded(self, http_version: str) -> None:
        """The server answered: which protocol carried it (HTTP/1.1, 2 or 3)."""
        if self.span.is_recording():
            self.span.set_attribute("network.protocol.version",
                                    http_version.removeprefix("HTTP/"))

    def first_chunk(self) -> None:
        pass

    def end(self, result: Any) -> None:
        pass

    def fail(self, error: BaseException) -> None:
        pass


ENABLED = os.environ.get("FLUENTAI_TELEMETRY", "on").lower() not in ("off", "0", "false")


def start(provider: Provider, request: AnyRequest) -> Operation:
    if not ENABLED:
        return _off()
    operation = OPERATIONS.get(type(request).__name__, "chat")
    model = getattr(request, "model", "")
    host, port = _server(provider.base_url)
    metric_attrs: dict[str, Any] = {"gen_ai.operation.name": operation,
                                    "gen_ai.provider.name": provider.name,
                                    "gen_ai.request.model": model,
                                    "server.address": host}
    span = _otel().tracer.start_span(f"{operation} {model}".strip(), kind=trace.SpanKind.CLIENT)
    if span.is_recording():
        attrs = dict(metric_attrs)
        attrs["server.port"] = port
        for key, name in (("gen_ai.request.temperature", "temperature"),
                          ("gen_ai.request.max_tokens", "max_tokens"),
                          ("gen_ai.request.top_p", "top_p"), ("gen_ai.request.seed", "seed")):
            value = getattr(request, name, None)
            if value is not None:
                attrs[key] = value
        if getattr(request, "stream", False):
            attrs["gen_ai.request.stream"] = True
        if capture_content() and hasattr(request, "messages"):
            import msgspec

            attrs["gen_ai.input.messages"] = msgspec.json.encode(request.messages).decode()
        span.set_attributes(attrs)
    return Operation(span, metric_attrs, provider.secrets)


@cache
def _off() -> _Off:
    return _Off()


@lru_cache(maxsize=256)
def _server(base_url: str) -> tuple[str, int]:
    from urllib.parse import urlsplit

    url = urlsplit(base_url)
    return url.hostname or "", url.port or (443 if url.scheme == "https" else 80)


def setup_tracing(endpoint: str | None = None, service_name: str = "fluentai",
                  simple: bool = False) -> Any:
    """Install an SDK tracer and meter provider exporting over OTLP/HTTP (the standard
    OTEL_EXPORTER_OTLP_* variables apply). Returns a function that flushes and shuts down.
    Needs ``pip install 'fluentai-core[otel]'`` (a ConfigurationError says so)."""
    from .optional import requires

    with requires("'fluentai-core[otel]'", "Exporting traces (setup_tracing, --trace)"):
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    resource = Resource.create({"service.name": service_name})
    traces = f"{endpoint.rstrip('/')}/v1/traces" if endpoint else None
    metrics_url = f"{endpoint.rstrip('/')}/v1/metrics" if endpoint else None
    tracer_provider = TracerProvider(resource=resource)
    processor = SimpleSpanProcessor if simple else BatchSpanProcessor
    tracer_provider.add_span_processor(processor(OTLPSpanExporter(endpoint=traces)))
    reader = PeriodicExportingMetricReader(OTLPMetricExporter(endpoint=metrics_url))
    meter_provider = MeterProvider(resource=resource, metric_readers=[reader])
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)

    def shutdown() -> None:
        tracer_provider.force_flush()
        meter_provider.force_flush()
        tracer_provider.shutdown()
        meter_provider.shutdown()

    return shutdown
