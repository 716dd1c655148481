"""The model catalog: models.yaml (shipped inside the package) plus what plugins add.

Loaded on first use, not at import. Prices are US dollars per million tokens.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import msgspec

from .types import Capability, ModelInfo, Price, Usage

_lock = threading.Lock()


class ModelEntry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One model in models.yaml (its id is the mapping key)."""

    name: str | None = None
    capabilities: tuple[Capability, ...] = ()
    context_window: int | None = None
    max_output: int | None = None
    price: Price | None = None
    aliases: tuple[str, ...] = ()
    deprecated: str | None = None
    dimensions: int | None = None
    output_dimensions: tuple[int, ...] = ()


def check_dimensions(provider: str, model: str, requested: int) -> str | None:
    """Why ``requested`` output dimensions cannot work for the model, or None."""
    info = lookup(provider, model)
    if info is None or info.dimensions is None:
        return None
    if info.output_dimensions:
        if requested not in info.output_dimensions:
            sizes = ", ".join(map(str, info.output_dimensions))
            return f"{provider}/{model} outputs {sizes} dimensions, not {requested}"
    elif requested > info.dimensions or requested < 1:
        return f"{provider}/{model} outputs at most {info.dimensions} dimensions, not {requested}"
    return None


class ProviderEntry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    label: str
    models: dict[str, ModelEntry]
    docs: str | None = None


class Catalog(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The whole of models.yaml."""

    providers: dict[str, ProviderEntry]


def schema() -> dict[str, Any]:
    """The JSON Schema of models.yaml (spec/models.schema.json is generated from it)."""
    return msgspec.json.schema(Catalog)


def _read_yaml() -> bytes:
    return resources.files("fluentai").joinpath("models.yaml").read_bytes()


@cache
def parse() -> Catalog:
    """models.yaml, validated (an unknown field or a wrong type is an error)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return msgspec.convert(yaml.load(_read_yaml(), Loader=loader) or {"providers": {}}, Catalog)


@cache
def load() -> dict[str, dict[str, ModelInfo]]:
    """provider -> model id (or alias) -> ModelInfo."""
    out: dict[str, dict[str, ModelInfo]] = {}
    for provider, entry in parse().providers.items():
        table = {model_id: ModelInfo(id=model_id, provider=provider, **msgspec.structs.asdict(m))
                 for model_id, m in entry.models.items()}
        for info in list(table.values()):
            for alias in info.aliases:
                table.setdefault(alias, info)
        out[provider] = table
    return out


def labels() -> dict[str, str]:
    return {p: e.label for p, e in parse().providers.items()}


def models(provider: str) -> list[ModelInfo]:
    table = load().get(provider, {})
    seen: set[str] = set()
    out = []
    for info in table.values():
        if info.id not in seen:
            seen.add(info.id)
            out.append(info)
    return out


def lookup(provider: str, model: str) -> ModelInfo | None:
    return load().get(provider, {}).get(model)


def suggest(provider: str, model: str, extra: Sequence[str] = ()) -> list[str]:
    """Close model ids for a 'did you mean' hint."""
    names = list(load().get(provider, {})) + list(extra)
    return difflib.get_close_matches(model, names, n=3, cutoff=0.6)


def find_provider(model: str) -> str | None:
    """The provider whose catalog lists ``model`` (for model ids given without a prefix)."""
    for provider, table in load().items():
        if model in table:
            return provider
    return None


def cost(provider: str, model: str, usage: Usage) -> float | None:
    """Dollar cost of ``usage`` at the catalog price; None when the price is unknown."""
    info = lookup(provider, model) or _dated(provider, model)
    price = info.price if info else None
    if price is None or price.input is None or price.output is None:
        return None
    cached = usage.cache_read_tokens or 0
    written = usage.cache_write_tokens or 0
    fresh = max(usage.input_tokens - cached - written, 0)  # input_tokens includes both
    total = fresh * price.input + usage.output_tokens * price.output
    total += cached * (price.cached_input if price.cached_input is not None else price.input)
    total += written * (price.cache_write if price.cache_write is not None else price.input)
    return total / 1_000_000


def _dated(provider: str, model: str) -> ModelInfo | None:
    """Match a dated response model id (gpt-4o-2024-08-06) to its catalog entry (gpt-4o)."""
    table = load().get(provider, {})
    best = None
    for model_id in table:
        if model.startswith(model_id + "-") and (best is None or len(model_id) > len(best)):
            best = model_id
    return table[best] if best else None
