"""The model catalog: models.yaml (shipped inside the package) plus what plugins add.

models.yaml is the one file people edit; the package build compiles it to models.json
(``core/hatch_build.py``), so no YAML is parsed at run time. Each provider's part is
decoded on first use: pricing an OpenAI response decodes OpenAI's models only. Prices are
US dollars per million tokens.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

import msgspec

from .types import Capability, ModelInfo, Price, Usage


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


_HERE = os.path.dirname(__file__)
COMPILED = os.path.join(_HERE, "models.json")  # built from models.yaml by hatch_build.py
SOURCE = os.path.join(_HERE, "models.yaml")


class _Compiled(msgspec.Struct, frozen=True):
    providers: dict[str, msgspec.Raw]


@cache
def _raw() -> dict[str, msgspec.Raw]:
    """provider -> its catalog entry, still undecoded. From models.json, which the build
    compiles from models.yaml; from models.yaml itself when the JSON is missing or older
    (a checkout whose models.yaml was edited since it was installed)."""
    try:
        if not os.path.exists(SOURCE) or \
                os.stat(COMPILED).st_mtime_ns >= os.stat(SOURCE).st_mtime_ns:
            with open(COMPILED, "rb") as compiled:
                return msgspec.json.decode(compiled.read(), type=_Compiled).providers
    except FileNotFoundError:
        pass
    encode = msgspec.json.encode
    return {name: msgspec.Raw(encode(entry))
            for name, entry in (_read_yaml().get("providers") or {}).items()}


def _read_yaml() -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with open(SOURCE, "rb") as source:
            text = source.read()
    except FileNotFoundError:  # installed without it (a zip): read it as a resource
        from importlib import resources

        text = resources.files("fluentai").joinpath("models.yaml").read_bytes()
    return yaml.load(text, Loader=loader) or {}


def compile_yaml(text: bytes) -> bytes:
    """models.yaml as the JSON the package ships (validated: the build fails on an
    unknown field or a wrong type)."""
    import yaml

    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    msgspec.convert(data, Catalog)
    return msgspec.json.encode(data)


def provider_names() -> list[str]:
    """The providers the catalog describes (each has a ``fluentai-<name>`` plugin)."""
    return list(_raw())


@cache
def entry(provider: str) -> ProviderEntry | None:
    """One provider's part of the catalog, decoded and validated on first use."""
    raw = _raw().get(provider)
    return None if raw is None else msgspec.json.decode(raw, type=ProviderEntry)


def parse() -> Catalog:
    """The whole catalog, validated (an unknown field or a wrong type is an error)."""
    return Catalog(providers={name: e for name in _raw() if (e := entry(name)) is not None})


@cache
def table(provider: str) -> dict[str, ModelInfo]:
    """model id (or alias) -> ModelInfo, for one provider."""
    found = entry(provider)
    if found is None:
        return {}
    out = {model_id: ModelInfo(id=model_id, provider=provider, **msgspec.structs.asdict(m))
           for model_id, m in found.models.items()}
    for info in list(out.values()):
        for alias in info.aliases:
            out.setdefault(alias, info)
    return out


def load() -> dict[str, dict[str, ModelInfo]]:
    """provider -> model id (or alias) -> ModelInfo, for every provider."""
    return {provider: table(provider) for provider in _raw()}


def labels() -> dict[str, str]:
    return {p: e.label for p, e in parse().providers.items()}


def models(provider: str) -> list[ModelInfo]:
    models_ = table(provider)
    seen: set[str] = set()
    out = []
    for info in models_.values():
        if info.id not in seen:
            seen.add(info.id)
            out.append(info)
    return out


def lookup(provider: str, model: str) -> ModelInfo | None:
    return table(provider).get(model)


def suggest(provider: str, model: str, extra: Sequence[str] = ()) -> list[str]:
    """Close model ids for a 'did you mean' hint."""
    import difflib

    names = list(table(provider)) + list(extra)
    return difflib.get_close_matches(model, names, n=3, cutoff=0.6)


def find_provider(model: str) -> str | None:
    """The provider whose catalog lists ``model`` (for model ids given without a prefix)."""
    for provider in _raw():
        if model in table(provider):
            return provider
    return None


def cost(provider: str, model: str, usage: Usage) -> float | None:
    """Dollar cost of ``usage`` at the catalog price; None when the price is unknown."""
    price = _price(provider, model)
    if price is None or price.input is None or price.output is None:
        return None
    cached = usage.cache_read_tokens or 0
    written = usage.cache_write_tokens or 0
    fresh = max(usage.input_tokens - cached - written, 0)  # input_tokens includes both
    total = fresh * price.input + usage.output_tokens * price.output
    total += cached * (price.cached_input if price.cached_input is not None else price.input)
    total += written * (price.cache_write if price.cache_write is not None else price.input)
    return total / 1_000_000


@lru_cache(maxsize=1024)
def _price(provider: str, model: str) -> Price | None:
    """The catalog price of a response's model id (found once per id)."""
    info = lookup(provider, model) or _dated(provider, model)
    return info.price if info else None


def _dated(provider: str, model: str) -> ModelInfo | None:
    """Match a dated response model id (gpt-4o-2024-08-06) to its catalog entry (gpt-4o)."""
    models_ = table(provider)
    best = None
    for model_id in models_:
        if model.startswith(model_id + "-") and (best is None or len(model_id) > len(best)):
            best = model_id
    return models_[best] if best else None
