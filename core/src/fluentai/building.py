"""Turn what a user passed into the provider-neutral requests of ``fluentai.request``:
prompts into messages, schemas into ResponseFormat, effort or budget into Reasoning.
Pure functions, shared by both clients."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, get_args

import msgspec

from . import catalog
from .errors import ContextLengthExceededError, InvalidInputError
from .request import (
    ChatRequest,
    EmbedRequest,
    Reasoning,
    RerankRequest,
    ResponseFormat,
    TranscribeRequest,
)
from .tools import as_tool
from .types import Message, Part, Role, ToolResult

ROLES = frozenset(get_args(Role))
PART_TYPES = get_args(Part)
CHARS_PER_TOKEN = 6  # deliberately few tokens per character: the check fires only when
                     # a prompt clearly exceeds the window (English runs near 4 per token)


def check_model(model: Any) -> str:
    """``model`` as a usable 'provider/model' name, or an InvalidInputError saying why not."""
    if not isinstance(model, str):
        raise InvalidInputError(f"the model must be a string such as 'openai/gpt-4o-mini', "
                                f"not {type(model).__name__} {model!r}")
    if not model.strip():
        raise InvalidInputError("the model name is empty: write 'provider/model', e.g. "
                                "'openai/gpt-4o-mini' (see `fluentai models`)")
    if not model.isprintable() or model != model.strip():
        raise InvalidInputError(f"the model name {model!r} contains whitespace or a control "
                                f"character (a trailing newline?): strip it")
    name, sep, model_id = model.partition("/")
    if sep and not (name and model_id):
        raise InvalidInputError(f"the model name {model!r} needs both parts: "
                                f"'provider/model', e.g. 'openai/gpt-4o-mini'")
    return model


def check_text(text: Any, where: str) -> str:
    """``text`` if it can be sent as UTF-8; names ``where`` it is otherwise."""
    if not isinstance(text, str):
        raise InvalidInputError(f"{where} must be text (str), not {type(text).__name__}")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InvalidInputError(
                f"{where} contains a lone surrogate {text[exc.start]!r} at position "
                f"{exc.start}, which cannot be sent as UTF-8 (text decoded with "
                f"errors='surrogateescape', or half of a UTF-16 pair): repair it, e.g. "
                f"text.encode('utf-8', 'replace').decode()") from None
    return text


def check_message(message: Message, where: str) -> Message:
    """A Message built directly is not validated by msgspec: check what a provider needs."""
    if message.role not in ROLES:
        raise InvalidInputError(f"{where} has the role {message.role!r}: use one of "
                                f"{', '.join(sorted(ROLES))}")
    content = message.content
    if isinstance(content, str):
        check_text(content, where)
    elif isinstance(content, list):
        for j, part in enumerate(content):
            if not isinstance(part, PART_TYPES):
                raise InvalidInputError(
                    f"{where}, part {j}, is a {type(part).__name__}: use TextPart, ImagePart, "
                    f"FilePart, ReasoningPart, ToolCall or ToolResult (or a str)")
            text = getattr(part, "text", None) if not isinstance(part, ToolResult) \
                else part.content
            if text is not None:
                check_text(text, f"{where}, part {j}")
    else:
        raise InvalidInputError(f"{where} has no usable content ({type(content).__name__}): "
                                f"give a str (use '' for none) or a list of parts")
    return message


def to_messages(prompt: Any, system: str | None) -> list[Message]:
    """A prompt (text, a message, or a list of messages or dicts) as checked messages."""
    if isinstance(prompt, str):
        out = [Message("user", check_text(prompt, "the prompt"))]
    elif isinstance(prompt, Message):
        out = [check_message(prompt, "the prompt")]
    elif prompt is None or isinstance(prompt, (bytes, bytearray, memoryview, Mapping)) \
            or not isinstance(prompt, Iterable):
        hint = {"NoneType": "give the text to send",
                "bytes": "decode it first: prompt.decode('utf-8')",
                "dict": "wrap one message in a list: [{'role': 'user', 'content': ...}]"}
        raise InvalidInputError(
            f"the prompt is a {type(prompt).__name__}: "
            f"{hint.get(type(prompt).__name__, 'give a str, a Message or a list of messages')}")
    else:
        out = [_message(m, i) for i, m in enumerate(prompt)]
        if not out:
            raise InvalidInputError("the message list is empty: give at least one message")
    if system is not None:
        out.insert(0, Message("system", check_text(system, "system")))
    return out


def _message(value: Any, i: int) -> Message:
    where = f"message {i}"
    if isinstance(value, Message):
        return check_message(value, where)
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{where} is a {type(value).__name__}: give a Message or a "
                                f"dict with 'role' and 'content'")
    try:
        message = msgspec.convert(value, Message)
    except msgspec.ValidationError as exc:
        raise InvalidInputError(f"{where} is not a valid message ({exc}): it needs a 'role' "
                                f"({', '.join(sorted(ROLES))}) and a 'content' (a str or a "
                                f"list of parts)") from None
    return check_message(message, where)


def check_context_window(provider: str, request: ChatRequest) -> None:
    """Refuse, before sending, a prompt that clearly exceeds the model's context window as
    the catalog knows it (``check_context=False`` skips this; the provider then decides)."""
    chars = 0
    for m in request.messages:
        for part in m.parts:
            text = getattr(part, "text", None) if not isinstance(part, ToolResult) \
                else part.content
            chars += len(text) if isinstance(text, str) else 0
    estimate = chars // CHARS_PER_TOKEN
    if estimate < 1024:  # below any catalogued window: skip the lookup
        return
    info = catalog.lookup(provider, request.model)
    window = info.context_window if info is not None else None
    if window is not None and estimate > window:
        raise ContextLengthExceededError(
            f"the prompt is about {estimate:,} tokens or more ({chars:,} characters), more "
            f"than the {window:,}-token context window of {provider}/{request.model}: "
            f"shorten it or pick a model with a larger window (check_context=False sends it "
            f"anyway)", provider=provider, estimated_tokens=estimate, context_window=window)


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
                 headers: Mapping[str, str] | None = None, provider: str | None = None,
                 check_context: bool = True) -> ChatRequest:
    """The request, checked: bad input raises InvalidInputError, a prompt clearly over the
    model's context window (with ``provider`` known) ContextLengthExceededError."""
    request = ChatRequest(
        model=model_id, messages=to_messages(prompt, system),
        tools=[as_tool(t) for t in tools or ()], tool_choice=tool_choice,
        parallel_tool_calls=parallel_tool_calls, temperature=temperature, top_p=top_p,
        max_tokens=max_tokens, stop=[stop] if isinstance(stop, str) else
        None if stop is None else list(stop), seed=seed,
        response_format=to_response_format(response_format), reasoning=to_reasoning(reasoning),
        stream=stream, partial_tool_arguments=partial_tool_arguments,
        raw_events=raw_events, provider_options=dict(provider_options or {}),
        headers=dict(headers or {}))
    if check_context and provider is not None:
        check_context_window(provider, request)
    return request


def embed_request(model_id: str, inputs: str | Sequence[str], *, provider: str | None = None,
                  input_type: Any = None, dimensions: int | None = None, dtype: Any = None,
                  provider_options: Mapping[str, Any] | None = None,
                  headers: Mapping[str, str] | None = None) -> EmbedRequest:
    if not isinstance(inputs, Iterable) or isinstance(inputs, (bytes, Mapping)):
        raise InvalidInputError(f"embed() takes a str or a list of str, not "
                                f"{type(inputs).__name__}")
    texts = [inputs] if isinstance(inputs, str) else list(inputs)
    if not texts:
        raise InvalidInputError("embed() needs at least one input text")
    for i, text in enumerate(texts):
        check_text(text, f"embed() input {i}")
    if dimensions is not None and provider is not None:
        problem = catalog.check_dimensions(provider, model_id, dimensions)
        if problem:
            raise InvalidInputError(f"{problem} (see `fluentai models {provider}`)")
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
            raise InvalidInputError(f"rerank document {i} has no text (give a string or "
                                    f"a mapping with a 'text' field)")
        texts.append(check_text(text, f"rerank document {i}"))
    if not texts:
        raise InvalidInputError("rerank() needs at least one document")
    check_text(query, "the rerank query")
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
