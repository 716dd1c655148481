"""The fluent builder: ``client.model(m).system(..).temperature(..).tools(f).chat(prompt)``.

Immutable: every step returns a new builder, so one configured builder can be shared by
threads and tasks. ``ModelBuilder`` (from a Client) calls synchronously; ``AsyncModelBuilder``
(from an AsyncClient) returns awaitables and async streams, as the client's own methods do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    from typing import Unpack

    from .async_client import AsyncClient
    from .client import Client
    from .options import ChatOptions, Prompt, ToolLike
    from .streams import AsyncStream, Stream
    from .types import ChatResponse


class _Builder:
    __slots__ = ("_client", "_model", "_options")

    def __init__(self, client: Any, model: str, options: Mapping[str, Any] | None = None) -> None:
        self._client = client
        self._model = model
        self._options: dict[str, Any] = dict(options or {})

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self._options.items())
        return f"{type(self).__name__}({self._model!r}{', ' if opts else ''}{opts})"

    def _with(self, **changes: Any) -> Self:
        return type(self)(self._client, self._model, {**self._options, **changes})

    def system(self, prompt: str) -> Self:
        return self._with(system=prompt)

    def temperature(self, value: float) -> Self:
        return self._with(temperature=value)

    def top_p(self, value: float) -> Self:
        return self._with(top_p=value)

    def max_tokens(self, value: int) -> Self:
        return self._with(max_tokens=value)

    def stop(self, *sequences: str) -> Self:
        return self._with(stop=list(sequences))

    def seed(self, value: int) -> Self:
        return self._with(seed=value)

    def tools(self, *tools: ToolLike, choice: str | None = None) -> Self:
        """Add tools (functions, Tool objects or dicts) to those already set."""
        merged = [*self._options.get("tools", ()), *tools]
        return self._with(tools=merged, **({"tool_choice": choice} if choice else {}))

    def tool_choice(self, choice: str) -> Self:
        return self._with(tool_choice=choice)

    def json(self, schema: Any = "json") -> Self:
        """Ask for JSON output: any object, a JSON schema, or a Struct/pydantic class."""
        return self._with(response_format=schema)

    def reasoning(self, effort_or_budget: str | int) -> Self:
        return self._with(reasoning=effort_or_budget)

    def options(self, **provider_options: Any) -> Self:
        """Provider-specific body parameters, passed through as they are."""
        merged = {**self._options.get("provider_options", {}), **provider_options}
        return self._with(provider_options=merged)

    def headers(self, **headers: str) -> Self:
        return self._with(headers={**self._options.get("headers", {}), **headers})


class ModelBuilder(_Builder):
    """Bound to a Client: ``chat`` returns a ChatResponse, ``stream`` a Stream."""

    __slots__ = ()
    _client: Client

    def chat(self, prompt: Prompt, **overrides: Unpack[ChatOptions]) -> ChatResponse:
        return self._client.chat(self._model, prompt, **{**self._options, **overrides})

    def stream(self, prompt: Prompt, **overrides: Unpack[ChatOptions]) -> Stream:
        return self._client.stream(self._model, prompt, **{**self._options, **overrides})


class AsyncModelBuilder(_Builder):
    """Bound to an AsyncClient: ``await b.chat(...)``, ``async for ev in b.stream(...)``."""

    __slots__ = ()
    _client: AsyncClient

    async def chat(self, prompt: Prompt, **overrides: Unpack[ChatOptions]) -> ChatResponse:
        return await self._client.chat(self._model, prompt, **{**self._options, **overrides})

    def stream(self, prompt: Prompt, **overrides: Unpack[ChatOptions]) -> AsyncStream:
        return self._client.stream(self._model, prompt, **{**self._options, **overrides})
