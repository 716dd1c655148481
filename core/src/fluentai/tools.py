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

from .errors import InvalidInputError
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


def _hints(fn: Callable[..., Any], tool: str) -> dict[str, Any]:
    """The resolved annotations; one that does not resolve is named with its parameter."""
    try:
        return typing.get_type_hints(fn)
    except (NameError, AttributeError, TypeError, SyntaxError) as exc:
        missing = getattr(exc, "name", None) or ""
        params = inspect.signature(fn).parameters
        where = next((f"parameter {p!r} ({param.annotation!r})" for p, param in params.items()
                      if missing and missing in str(param.annotation)), "an annotation")
        raise InvalidInputError(f"tool {tool!r}: {where} does not resolve ({exc}): import "
                                f"the type where the function is defined") from None


def _schema(annotation: Any, tool: str, param: str) -> dict[str, Any]:
    if annotation is Any:
        return {}
    try:
        return msgspec.json.schema(annotation)
    except (TypeError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[-1]
        raise InvalidInputError(
            f"tool {tool!r}, parameter {param!r}: JSON Schema cannot describe "
            f"{annotation!r} ({reason}); use str, int, float, bool, list, dict, Literal, an "
            f"Enum, a TypedDict, a dataclass or a msgspec Struct, or pass a Tool with its "
            f"schema") from None


def tool_from_function(fn: Callable[..., Any], *, name: str | None = None,
                       description: str | None = None, strict: bool | None = None) -> Tool:
    """A Tool from a function; an annotation JSON Schema cannot express, or that does not
    resolve, is an InvalidInputError naming the tool and the parameter."""
    tool: str = name or getattr(fn, "__name__", None) or repr(fn)
    summary, arg_docs = _docstring_parts(fn)
    hints = _hints(fn, tool)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for pname, param in inspect.signature(fn).parameters.items():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        schema = _schema(hints.get(pname, Any), tool, pname)
        schema.pop("$defs", None) if "$ref" not in schema else None
        if pname in arg_docs:
            schema["description"] = arg_docs[pname]
        properties[pname] = schema
        if param.default is inspect.Parameter.empty:
            required.append(pname)
    parameters: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        parameters["required"] = required
    return Tool(tool, description if description is not None else summary, parameters, strict)


def as_tool(value: Tool | Callable[..., Any] | dict[str, Any]) -> Tool:
    """Accept a Tool, a function, or an OpenAI-style / plain dict definition."""
    if isinstance(value, Tool):
        return value
    if isinstance(value, dict):
        spec = value.get("function", value)
        if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
            raise InvalidInputError(f"the tool {value!r} has no 'name': give a dict with "
                                    f"'name', 'description' and 'parameters'")
        return Tool(spec["name"], spec.get("description", ""),
                    spec.get("parameters") or spec.get("input_schema")
                    or {"type": "object", "properties": {}}, spec.get("strict"))
    if callable(value):
        return tool_from_function(value)
    raise InvalidInputError(f"cannot make a tool from a {type(value).__name__}: give a "
                            f"function, a Tool or a dict")
