"""The model catalog: models.yaml (shipped inside the package) plus what plugins add.

Loaded on first use, not at import. Prices are US dollars per million tokens.
"""

from __future__ import annotations

import difflib
import threading
from functools import cache
from importlib import resources
from typing import Any

import msgspec

from .types import ModelInfo, Usage

_lock = threading.Lock()


class CatalogEntry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    label: str
    models: dict[str, ModelInfo]
    docs: str | None = None


def _read_yaml() -> bytes:
    return resources.files("fluentai").joinpath("models.yaml").read_bytes()


@cache
def load() -> dict[str, dict[str, ModelInfo]]:
    """provider -> model id -> ModelInfo (ids and aliases both map)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    raw: dict[str, Any] = yaml.load(_read_yaml(), Loader=loader) or {}
    out: dict[str, dict[str, ModelInfo]] = {}
    for provider, entry in raw.get("providers", {}).items():
        models = entry.get("models") or {}
        table: dict[str, ModelInfo] = {}
        for model_id, spec in models.items():
            info = msgspec.convert({**(spec or {}), "id": model_id, "provider": provider},
                                   ModelInfo)
            table[model_id] = info
        for info in list(table.values()):
            for alias in info.aliases:
                table.setdefault(alias, info)
        out[provider] = table
    return out


def labels() -> dict[str, str]:
    import yaml

    raw = yaml.load(_read_yaml(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return {p: e.get("label", p) for p, e in (raw.get("providers") or {}).items()}


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


def suggest(provider: str, model: str, extra: list[str] = ()) -> list[str]:  # type: ignore[assignment]
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
