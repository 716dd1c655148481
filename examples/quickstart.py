"""The README's "Use" section as a runnable file: chat, stream with a tool, embeddings,
models, check and the fluent builder.

Keys and base URLs come from the environment as in any program (``OPENAI_API_KEY``,
``OPENAI_BASE_URL`` or ``FLUENTAI_OPENAI_BASE_URL``); tests/test_examples.py runs it
against a local replay server. The ``assert_type`` lines are for mypy and pyright (the
nox lint session), and cost nothing at run time.
"""

from __future__ import annotations

from typing import assert_type

import fluentai
from fluentai import ChatResponse, CheckResult, EmbeddingResponse, ModelBuilder, ModelInfo, Stream
from fluentai.events import StreamEvent

client = fluentai.Client()                                  # finds installed plugins lazily
r = client.chat("openai/gpt-4o-mini", "Say hi")             # a str prompt or a message list
print(r.text, r.usage.input_tokens, r.usage.output_tokens, r.finish_reason, r.cost)
assert_type(r, ChatResponse)
assert_type(r.text, str)
assert_type(r.usage.input_tokens, int)
assert_type(r.cost, float | None)


def get_weather(city: str) -> str:
    """Current weather for a city.

    Args:
        city: The city name.
    """
    return f"Sunny in {city}"


stream = client.stream("openai/gpt-4o-mini", "Weather in Paris?", tools=[get_weather])
assert_type(stream, Stream)
for ev in stream:
    assert_type(ev, StreamEvent)  # TextDelta, ReasoningDelta, ToolCallStart/Delta/End, ...
    print(type(ev).__name__)

embedded = client.embed("openai/text-embedding-3-small", ["a", "b"])
assert_type(embedded, EmbeddingResponse)
vecs = embedded.vectors
print(len(vecs), "vectors of", len(vecs[0]))

models = client.models("openai")       # catalog merged with the live listing
assert_type(models, list[ModelInfo])
checked = client.check("openai")       # CheckResult(ok=..., problem="set OPENAI_API_KEY")
assert_type(checked, CheckResult)
print(len(models), "models;", "ok" if checked.ok else checked.problem)

# The fluent builder: immutable, each step returns a new builder, safe to share.
ask = client.model("openai/gpt-4o-mini").system("Be brief").temperature(0.2).tools(get_weather)
assert_type(ask, ModelBuilder)
answer = ask.chat("Weather in Paris?")
assert_type(answer, ChatResponse)
print(answer.text or answer.tool_calls)
for ev in ask.stream("And in Rome?"):
    assert_type(ev, StreamEvent)
client.close()
