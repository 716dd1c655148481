"""The keyword arguments of the public calls, declared once.

``Client``, ``AsyncClient`` and the builders take ``**options: Unpack[ChatOptions]`` (and
the like), so a type checker rejects a misspelt name (``temprature=``) and at run time
``check`` raises a TypeError that names the public method and the closest real name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, TypedDict, Union

from .types import Message

if TYPE_CHECKING:
    from collections.abc import Iterable

    import httpx

    from .plugins import Registry
    from .request import EmbeddingDType, InputType, Reasoning, ResponseFormat
    from .retry import RetryPolicy
    from .timeouts import Timeout
    from .transport import TransportOptions
    from .types import Tool

Prompt = Union[str, Message, Sequence[Union[Message, Mapping[str, Any]]]]
"""A prompt: text, one message, or a conversation (messages or OpenAI-style dicts)."""

ToolLike = Union["Tool", Callable[..., Any], Mapping[str, Any]]
"""A tool: a Tool, a plain function (its signature and docstring describe it), or a dict."""


class ClientOptions(TypedDict, total=False):
    """``Client(...)`` and ``AsyncClient(...)``."""

    providers: Mapping[str, Mapping[str, Any]] | None  # per provider: api_key, base_url, ...
    plugins: Iterable[Any]  # plugin objects registered directly (no entry point)
    timeout: Timeout | httpx.Timeout | float | None
    transport: str | TransportOptions | None  # "http1", "http2" or a transport plugin's
    env: Mapping[str, str] | None  # read instead of os.environ
    registry: Registry | None
    retry: RetryPolicy | int | None
    circuit_breaker: Mapping[str, Any] | bool


class CallOptions(TypedDict, total=False):
    """What every call takes."""

    retry: RetryPolicy | int | None  # a policy, a number of retries, or None: the client's
    timeout: Timeout | httpx.Timeout | float | None


class ChatOptions(CallOptions, total=False):
    """``chat`` and ``stream``."""

    system: str | None
    tools: Sequence[ToolLike] | None
    tool_choice: str | None  # auto, none, required, or a tool's name
    parallel_tool_calls: bool | None
    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    stop: str | Sequence[str] | None
    seed: int | None
    response_format: ResponseFormat | Mapping[str, Any] | type | str | None  # "json", ...
    reasoning: Reasoning | str | int | None  # an effort ("low") or a token budget
    partial_tool_arguments: bool
    raw_events: bool
    provider_options: Mapping[str, Any] | None  # merged into the provider's body as is
    headers: Mapping[str, str] | None
    check_context: bool  # False: send a prompt even if it looks too long for the model


class EmbedOptions(CallOptions, total=False):
    input_type: InputType | None
    dimensions: int | None
    dtype: EmbeddingDType | None
    provider_options: Mapping[str, Any] | None
    headers: Mapping[str, str] | None


class RerankOptions(CallOptions, total=False):
    top_n: int | None
    provider_options: Mapping[str, Any] | None
    headers: Mapping[str, str] | None


class TranscribeOptions(CallOptions, total=False):
    filename: str
    language: str | None
    prompt: str | None
    provider_options: Mapping[str, Any] | None
    headers: Mapping[str, str] | None


@cache
def _names(options: type) -> frozenset[str]:
    return frozenset(options.__required_keys__ | options.__optional_keys__)  # type: ignore[attr-defined]


def check(method: str, given: Mapping[str, Any], options: type) -> None:
    """Raise TypeError naming ``method`` for a keyword it does not take."""
    names = _names(options)
    for key in given:
        if key not in names:
            import difflib  # only to explain a typo

            close = difflib.get_close_matches(key, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise TypeError(f"{method}() got an unexpected keyword argument {key!r}{hint}")


def split(given: Mapping[str, Any]) -> tuple[Any, Any, dict[str, Any]]:
    """``retry`` and ``timeout`` apart from what builds the request."""
    rest = dict(given)
    return rest.pop("retry", None), rest.pop("timeout", None), rest
