"""The fluent builder: ``client.model(m).system(..).temperature(..).tools(f).chat(prompt)``.

Immutable: every step returns a new builder, so one configured builder can be shared by
threads and tasks. Bound to a Client its calls are synchronous; bound to an AsyncClient
they return awaitables / async streams, exactly as the client's own methods do.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


class ModelBuilder:
    __slots__ = ("_client", "_model", "_options")

    def __init__(self, client: Any, model: str, options: Mapping[str, Any] | None = None) -> None:
        self._client = client
        self._model = model
        self._options: Mapping[str, Any] = dict(options or {})

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in self._options.items())
        return f"ModelBuilder({self._model!r}{', ' if opts else ''}{opts})"

    def _with(self, **changes: Any) -> ModelBuilder:
        return ModelBuilder(self._client, self._model, {**self._options, **changes})

    def system(self, prompt: str) -> ModelBuilder:
        return self._with(system=prompt)

    def temperature(self, value: float) -> ModelBuilder:
        return self._with(temperature=value)

    def top_p(self, value: float) -> ModelBuilder:
        return self._with(top_p=value)

    def max_tokens(self, value: int) -> ModelBuilder:
        return self._with(max_tokens=value)

    def stop(self, *sequences: str) -> ModelBuilder:
        return self._with(stop=list(sequences))

    def seed(self, value: int) -> ModelBuilder:
        return self._with(seed=value)

    def tools(self, *tools: Callable[..., Any] | Any, choice: str | None = None) -> ModelBuilder:
        """Add tools (functions, Tool objects or dicts) to those already set."""
        merged = [*self._options.get("tools", ()), *tools]
        return self._with(tools=merged, **({"tool_choice": choice} if choice else {}))

    def tool_choice(self, choice: str) -> ModelBuilder:
        return self._with(tool_choice=choice)

    def json(self, schema: Any = "json") -> ModelBuilder:
        """Ask for JSON output: any object, a JSON schema, or a Struct/pydantic class."""
        return self._with(response_format=schema)

    def reasoning(self, effort_or_budget: str | int) -> ModelBuilder:
        return self._with(reasoning=effort_or_budget)

    def options(self, **provider_options: Any) -> ModelBuilder:
        """Provider-specific body parameters, passed through as they are."""
        merged = {**self._options.get("provider_options", {}), **provider_options}
        return self._with(provider_options=merged)

    def headers(self, **headers: str) -> ModelBuilder:
        return self._with(headers={**self._options.get("headers", {}), **headers})

    def chat(self, prompt: Any, **overrides: Any) -> Any:
        return self._client.chat(self._model, prompt, **{**self._options, **overrides})

    def stream(self, prompt: Any, **overrides: Any) -> Any:
        return self._client.stream(self._model, prompt, **{**self._options, **overrides})
