"""The whole conformance kit (spec/conformance.md) with every request carried by aiohttp:
recorded OpenAI traffic, through a local OpenAI-compatible provider declared in local.py."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import ClassVar

from local import PLUGIN

from fluentai.testing.conformance import Case, ProviderSuite

AGENT = "openai/test_complex_agent_run.yaml"
CHAT = "openai/test_max_completion_tokens[gpt-4o-mini].yaml"
STREAM = "openai/test_dbos_model_stream_direct.yaml"
TOOLS = "openai/test_openai_tool_output.yaml"


class TestConformanceOverAiohttp(ProviderSuite):
    provider = "local"
    distribution = "fluentai-aiohttp"
    plugins: ClassVar[list[object]] = [PLUGIN]
    settings: ClassVar[dict[str, object]] = {"transport": "aiohttp"}
    base_path = "/v1"
    chat_path = "/chat/completions"
    capabilities = {"chat", "stream", "tools", "embeddings"}
    cases = {
        "chat": Case(recording=CHAT, model="gpt-4o-mini", prompt="hello",
                     call={"max_tokens": 100}, expect_text="Hello! How can I assist you today?",
                     expect_usage=(8, 9), expect_finish="stop"),
        "stream": Case(recording=STREAM, model="gpt-4o", prompt="What is the capital of Mexico?",
                       stream=True, expect_text="The capital of Mexico is Mexico City.",
                       expect_usage=(14, 8), expect_finish="stop"),
        "stream_usage": Case(recording=STREAM, model="gpt-4o", stream=True,
                             expect_usage=(14, 8)),
        "parallel_tool_calls": Case(recording=AGENT, model="gpt-4o", stream=True,
                                    expect_tool_calls=[("get_country", {}),
                                                       ("get_product_name", {})],
                                    expect_finish="tool_calls"),
        "stream_tools": Case(recording=AGENT, interaction=1, model="gpt-4o", stream=True,
                             expect_tool_calls=[("get_weather", {"city": "Mexico City"})],
                             expect_finish="tool_calls"),
        "tool_call": Case(recording=TOOLS, interaction=1, model="gpt-4o", expect_tool_calls=[
            ("final_result", {"city": "Mexico City", "country": "Mexico"})]),
        "usage": Case(recording=CHAT, model="gpt-4o-mini", expect_usage=(8, 9)),
        "provider_error": Case(recording="openai/test_openai_o1_mini_system_role[developer].yaml",
                               model="o1-mini", expect_error="InvalidRequestError"),
        "embeddings": Case(recording="openai/TestOpenAI.test_query.yaml",
                           model="text-embedding-3-small", prompt=["Hello, world!"]),
    }

    def test_registered_through_its_entry_point(self) -> None:
        """The provider here is the tests' own; this distribution registers a transport."""
        assert "aiohttp" in {ep.name for ep in entry_points(group="fluentai.providers")}
