"""Turn what a user passed into the provider-neutral requests of ``fluentai.request``:
prompts into messages, schemas into ResponseFormat, effort or budget into Reasoning.
Pure functions, shared by both clients."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from . import catalog
from .errors import ConfigurationError
from .request import (
    ChatRequest,
    EmbedRequest,
    Reasoning,
    RerankRequest,
    ResponseFormat,
    TranscribeRequest,
)
from .tools import as_tool
from .types import Message


def to_messages(prompt: Any, system: str | None) -> list[Message]:
    """A prompt (text, a message, or a list of messages or dicts) as messages."""
    if isinstance(prompt, str):
        out = [Message("user", prompt)]
    elif isinstance(prompt, Message):
        out = [prompt]
    else:
        out = [m if isinstance(m, Message) else msgspec.convert(m, Message) for m in prompt]
    if system is not None:
        out.insert(0, Message("system", system))
    return out


def to_response_format(value: Any) -> ResponseFormat | None:
    """Accept "json", a JSON schema dict, a msgspec Struct or a pydantic model class."""
    if value is None or isinstance(value, ResponseFormat):
        return value
    if value == "json":
        return ResponseFormat()
    if isinstance(value, Mapping):
        return ResponseFormat(dict(value))
    if hasattr(value, "model_json_schema"):
        return ResponseFormat(value.model_json_schema(), name=value.__name__)
    schema = msgspec.json.schema(value)
    if "$ref" in schema:  # inline the top-level struct
        name = schema["$ref"].rsplit("/", 1)[-1]
        defs = schema.pop("$defs")
        schema = {**defs.pop(name), **({"$defs": defs} if defs else {})}
    return ResponseFormat(schema, name=getattr(value, "__name__", "response"))


def to_reasoning(value: Any) -> Reasoning | None:
    if value is None or isinstance(value, Reasoning):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Reasoning(budget_tokens=value)
    return Reasoning(effort=value)


def chat_request(model_id: str, prompt: Any, *, stream: bool, system: str | None = None,
                 tools: Sequence[Any] | None = None, tool_choice: str | None = None,
                 parallel_tool_calls: bool | None = None, temperature: float | None = None,
                 top_p: float | None = None, max_tokens: int | None = None,
                 stop: str | Sequence[str] | None = None, seed: int | None = None,
                 response_format: Any = None, reasoning: Any = None,
                 partial_tool_arguments: bool = False, raw_events: bool = False,
                 provider_options: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> ChatRequest:
    return ChatRequest(
        model=model_id, messages=to_messages(prompt, system),
        tools=[as_tool(t) for t in tools or ()], tool_choice=tool_choice,
        parallel_tool_calls=parallel_tool_calls, temperature=temperature, top_p=top_p,
        max_tokens=max_tokens, stop=[stop] if isinstance(stop, str) else
        None if stop is None else list(stop), seed=seed,
        response_format=to_response_format(response_format), reasoning=to_reasoning(reasoning),
        stream=stream, partial_tool_arguments=partial_tool_arguments,
        raw_events=raw_events, provider_options=dict(provider_options or {}),
        headers=dict(headers or {}))


def embed_request(model_id: str, inputs: str | Sequence[str], *, provider: str | None = None,
                  input_type: Any = None, dimensions: int | None = None, dtype: Any = None,
                  provider_options: Mapping[str, Any] | None = None,
                  headers: Mapping[str, str] | None = None) -> EmbedRequest:
    texts = [inputs] if isinstance(inputs, str) else list(inputs)
    if not texts:
        raise ConfigurationError("embed() needs at least one input text")
    if any(not isinstance(t, str) for t in texts):
        raise ConfigurationError("embed() takes strings; convert other inputs to text first")
    if dimensions is not None and provider is not None:
        problem = catalog.check_dimensions(provider, model_id, dimensions)
        if problem:
            raise ConfigurationError(f"{problem} (see `fluentai models {provider}`)")
    return EmbedRequest(model=model_id, inputs=texts, input_type=input_type,
                        dimensions=dimensions, dtype=dtype,
                        provider_options=dict(provider_options or {}),
                        headers=dict(headers or {}))


def rerank_request(model_id: str, query: str, documents: Sequence[Any], *,
                   top_n: int | None = None, provider_options: Mapping[str, Any] | None = None,
                   headers: Mapping[str, str] | None = None) -> RerankRequest:
    texts = []
    for i, doc in enumerate(documents):
        text = doc.get("text") if isinstance(doc, Mapping) else doc
        if not isinstance(text, str):
            raise ConfigurationError(f"rerank document {i} has no text (give a string or "
                                     f"a mapping with a 'text' field)")
        texts.append(text)
    if not texts:
        raise ConfigurationError("rerank() needs at least one document")
    return RerankRequest(model=model_id, query=query, documents=texts, top_n=top_n,
                         provider_options=dict(provider_options or {}),
                         headers=dict(headers or {}))


def transcribe_request(model_id: str, audio: bytes, *, filename: str = "audio.wav",
                       language: str | None = None, prompt: str | None = None,
                       provider_options: Mapping[str, Any] | None = None,
                       headers: Mapping[str, str] | None = None) -> TranscribeRequest:
    return TranscribeRequest(model=model_id, audio=audio, filename=filename,
                             language=language, prompt=prompt,
                             provider_options=dict(provider_options or {}),
                             headers=dict(headers or {}))
