"""Spans and metrics reach a real OTLP/HTTP receiver on 127.0.0.1, decoded from protobuf:
a streamed chat with a tool call and a retry, against a local server."""

from __future__ import annotations

from typing import Any

import pytest

import fluentai
from fluentai.retry import RetryPolicy
from fluentai.testing import ReplayServer, Reply, load_cassette, recordings

pytest.importorskip("fluentai_openai")
pb_trace = pytest.importorskip("opentelemetry.proto.collector.trace.v1.trace_service_pb2")
pb_metrics = pytest.importorskip("opentelemetry.proto.collector.metrics.v1.metrics_service_pb2")

AGENT = load_cassette(recordings(__file__) / "openai" / "test_complex_agent_run.yaml")[0]


def _value(v: Any) -> Any:
    kind = v.WhichOneof("value")
    if kind == "array_value":
        return [_value(x) for x in v.array_value.values]
    return getattr(v, kind)


@pytest.fixture(scope="module")
def receiver() -> Any:
    from opentelemetry import metrics, trace
    from opentelemetry.sdk.trace import TracerProvider

    if isinstance(trace.get_tracer_provider(), TracerProvider):
        pytest.skip("another test installed a tracer provider first")
    with ReplayServer([Reply(200, b"", repeat=True)]) as server:
        from fluentai.telemetry import setup_tracing

        shutdown = setup_tracing(server.url, service_name="fluentai-test", simple=True)
        yield server, shutdown, metrics, trace
        shutdown()


def test_streamed_chat_with_tool_call_and_retry_is_traced(receiver: Any) -> None:
    server, _shutdown, _metrics, trace = receiver
    req = AGENT.request_json
    tools = [fluentai.Tool(t["function"]["name"], t["function"]["description"],
                           t["function"]["parameters"]) for t in req["tools"]]
    error = {"error": {"message": "upstream failed", "type": "server_error"}}
    with ReplayServer([Reply(500, error), Reply.from_interaction(AGENT, path=None)]) as llm:
        client = fluentai.Client(providers={"openai": {"api_key": "sk-otel-secret-1",
                                                       "base_url": llm.url + "/v1"}},
                                 retry=RetryPolicy(max_attempts=2, initial_backoff=0.01))
        response = client.stream("openai/gpt-4o", req["messages"][0]["content"], tools=tools,
                                 temperature=0.5, max_tokens=300).collect()
    trace.get_tracer_provider().force_flush()
    spans = {}
    for r in server.requests:
        if r.path != "/v1/traces":
            continue
        body = pb_trace.ExportTraceServiceRequest.FromString(r.body)
        for rs in body.resource_spans:
            for ss in rs.scope_spans:
                for sp in ss.spans:
                    spans[sp.span_id] = sp
    [root] = [s for s in spans.values() if s.name == "chat gpt-4o"]
    attrs = {a.key: _value(a.value) for a in root.attributes}
    assert root.kind == 3  # SPAN_KIND_CLIENT
    assert attrs["gen_ai.operation.name"] == "chat"
    assert attrs["gen_ai.provider.name"] == "openai"
    assert attrs["gen_ai.request.model"] == "gpt-4o"
    assert attrs["gen_ai.request.temperature"] == 0.5
    assert attrs["gen_ai.request.max_tokens"] == 300
    assert attrs["gen_ai.response.model"] == response.model == "gpt-4o-2024-08-06"
    assert attrs["gen_ai.response.id"] == response.id
    assert attrs["gen_ai.response.finish_reasons"] == ["tool_calls"]
    assert attrs["gen_ai.usage.input_tokens"] == 364
    assert attrs["gen_ai.usage.output_tokens"] == response.usage.output_tokens
    assert attrs["server.address"] == "127.0.0.1" and attrs["server.port"] == llm.port
    assert attrs["network.protocol.version"] == "1.1"
    assert attrs["fluentai.cost_usd"] == pytest.approx(response.cost)
    assert attrs["gen_ai.response.time_to_first_chunk"] > 0
    [retry] = [e for e in root.events if e.name == "retry"]
    retry_attrs = {a.key: _value(a.value) for a in retry.attributes}
    assert retry_attrs["error.type"] == "ServerError" and retry_attrs["attempt"] == 1
    children = sorted(s.name for s in spans.values() if s.parent_span_id == root.span_id)
    assert children == ["fluentai.encode", "fluentai.encode", "fluentai.stream_decoder",
                        "fluentai.transport", "fluentai.transport"]
    assert all(s.trace_id == root.trace_id for s in spans.values()
               if s.parent_span_id == root.span_id)
    raw = b"".join(r.body for r in server.requests)
    assert b"sk-otel-secret-1" not in raw


def test_metrics_are_exported(receiver: Any) -> None:
    server, _shutdown, metrics, _trace = receiver
    with ReplayServer([Reply.from_interaction(AGENT, path=None)]) as llm:
        client = fluentai.Client(providers={"openai": {"api_key": "sk-otel-secret-2",
                                                       "base_url": llm.url + "/v1"}})
        client.stream("openai/gpt-4o", "x").collect()
    metrics.get_meter_provider().force_flush()
    names: dict[str, Any] = {}
    for r in server.requests:
        if r.path != "/v1/metrics":
            continue
        body = pb_metrics.ExportMetricsServiceRequest.FromString(r.body)
        for rm in body.resource_metrics:
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    names[m.name] = m
    assert {"gen_ai.client.token.usage", "gen_ai.client.operation.duration",
            "gen_ai.client.operation.time_to_first_chunk"} <= set(names)
    tokens = names["gen_ai.client.token.usage"].histogram.data_points
    kinds = {_value(a.value) for p in tokens for a in p.attributes if a.key == "gen_ai.token.type"}
    assert kinds == {"input", "output"}
    assert sum(p.sum for p in tokens) > 0
