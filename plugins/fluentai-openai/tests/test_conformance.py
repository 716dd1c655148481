"""The standard conformance suite (spec/conformance.md) on recorded OpenAI traffic."""

from __future__ import annotations

from fluentai.testing.conformance import Case, ProviderSuite

AGENT = "openai/test_complex_agent_run.yaml"


class TestOpenAIConformance(ProviderSuite):
    provider = "openai"
    base_path = "/v1"
    capabilities = {"chat", "stream", "tools", "json", "vision", "pdf", "audio", "models",
                    "embeddings"}
    cases = {
        "chat": Case(recording="openai/test_max_completion_tokens[gpt-4o-mini].yaml",
                     model="gpt-4o-mini", prompt="hello", call={"max_tokens": 100},
                     expect_text="Hello! How can I assist you today?", expect_usage=(8, 9),
                     expect_finish="stop", expect_request=True),
        "stream": Case(recording="openai/test_dbos_model_stream_direct.yaml", model="gpt-4o",
                       prompt="What is the capital of Mexico?", stream=True,
                       expect_text="The capital of Mexico is Mexico City.",
                       expect_usage=(14, 8), expect_finish="stop", expect_request=True),
        "stream_usage": Case(recording="openai/test_dbos_model_stream_direct.yaml",
                             model="gpt-4o", stream=True, expect_usage=(14, 8)),
        "parallel_tool_calls": Case(recording=AGENT, model="gpt-4o", stream=True,
                                    expect_tool_calls=[("get_country", {}),
                                                       ("get_product_name", {})],
                                    expect_finish="tool_calls"),
        "stream_tools": Case(recording=AGENT, interaction=1, model="gpt-4o", stream=True,
                             expect_tool_calls=[("get_weather", {"city": "Mexico City"})],
                             expect_finish="tool_calls"),
        "tool_no_arguments": Case(recording="openai/test_openai_tool_output.yaml",
                                  model="gpt-4o",
                                  expect_tool_calls=[("get_user_country", {})]),
        "tool_call": Case(recording="openai/test_openai_tool_output.yaml", interaction=1,
                          model="gpt-4o", expect_tool_calls=[
                              ("final_result", {"city": "Mexico City", "country": "Mexico"})]),
        "tool_result_history": Case(recording="openai/test_openai_tool_output.yaml",
                                    interaction=1, model="gpt-4o", expect_finish="tool_calls"),
        "tool_choice": Case(recording="openai/test_openai_tool_output.yaml", model="gpt-4o",
                            call={"tool_choice": "required"}, expect_finish="tool_calls"),
        "usage": Case(recording="openai/test_max_completion_tokens[gpt-4o-mini].yaml",
                      model="gpt-4o-mini", expect_usage=(8, 9)),
        "provider_error": Case(
            recording="openai/test_openai_o1_mini_system_role[developer].yaml",
            model="o1-mini", expect_error="InvalidRequestError"),
        "embeddings": Case(recording="openai/TestOpenAI.test_query.yaml",
                           model="text-embedding-3-small", prompt=["Hello, world!"]),
    }
