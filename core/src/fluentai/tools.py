"""Build Tool definitions from plain Python functions, dicts or Tool objects.

A function's signature gives the JSON schema (types from annotations, required from
defaults) and its docstring the description, so ``tools=[get_weather]`` just works.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any

import msgspec

from .types import Tool


def _docstring_parts(fn: Callable[..., Any]) -> tuple[str, dict[str, str]]:
    """The summary and the ``Args:`` descriptions of a Google-style docstring."""
    doc = inspect.getdoc(fn) or ""
    summary: list[str] = []
    params: dict[str, str] = {}
    section = "summary"
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped.lower() in ("args:", "arguments:", "parameters:"):
            section = "args"
            continue
        if stripped.lower() in ("returns:", "raises:", "yields:", "examples:"):
            section = "other"
            continue
        if section == "summary":
            summary.append(line)
        elif section == "args" and ":" in stripped:
            name, _, desc = stripped.partition(":")
            params[name.split("(")[0].strip()] = desc.strip()
    return "\n".join(summary).strip(), params


def tool_from_function(fn: Callable[..., Any], *, name: str | None = None,
                       description: str | None = None, strict: bool | None = None) -> Tool:
    summary, arg_docs = _docstring_parts(fn)
    hints = typing.get_type_hints(fn)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for pname, param in inspect.signature(fn).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        annotation = hints.get(pname, Any)
        schema = msgspec.json.schema(annotation) if annotation is not Any else {}
        schema.pop("$defs", None) if "$ref" not in schema else None
        if pname in arg_docs:
            schema["description"] = arg_docs[pname]
        properties[pname] = schema
        if param.default is inspect.Parameter.empty:
            required.append(pname)
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    return Tool(name or fn.__name__, description if description is not None else summary,
                parameters, strict)


def as_tool(value: Tool | Callable[..., Any] | dict[str, Any]) -> Tool:
    """Accept a Tool, a function, or an OpenAI-style / plain dict definition."""
    if isinstance(value, Tool):
        return value
    if isinstance(value, dict):
        spec = value.get("function", value)
        return Tool(spec["name"], spec.get("description", ""),
                    spec.get("parameters") or spec.get("input_schema")
                    or {"type": "object", "properties": {}}, spec.get("strict"))
    if callable(value):
        return tool_from_function(value)
    raise TypeError(f"cannot make a tool from {type(value).__name__}")
