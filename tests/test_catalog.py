"""models.yaml: valid against its schema, and every provider in it has a plugin here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import msgspec
import yaml

from fluentai import catalog
from fluentai.plugins import Registry

ROOT = Path(__file__).resolve().parents[1]


def test_models_yaml_validates_strictly() -> None:
    raw = yaml.safe_load((ROOT / "core/src/fluentai/models.yaml").read_text(encoding="utf-8"))
    parsed = msgspec.convert(raw, catalog.Catalog)
    assert parsed.providers["openai"].models["gpt-4o-mini"].price is not None


def test_a_typo_in_the_catalog_is_rejected() -> None:
    bad = {"providers": {"x": {"label": "X", "models": {"m": {"context_windw": 10}}}}}
    try:
        msgspec.convert(bad, catalog.Catalog)
    except msgspec.ValidationError as exc:
        assert "context_windw" in str(exc)
    else:
        raise AssertionError("an unknown field must be rejected")


def test_published_schema_is_up_to_date() -> None:
    published = json.loads((ROOT / "spec" / "models.schema.json").read_text(encoding="utf-8"))
    assert published == json.loads(json.dumps(catalog.schema())), \
        "regenerate spec/models.schema.json"


def test_every_catalog_provider_has_a_plugin_in_this_repo() -> None:
    registry = Registry()
    registry.load()
    missing = set(catalog.parse().providers) - set(registry.providers)
    assert not missing, f"catalog lists providers with no installed plugin: {missing}"


def test_every_model_has_capabilities_and_a_context_window() -> None:
    for provider, entry in catalog.parse().providers.items():
        for model_id, model in entry.models.items():
            assert model.capabilities, f"{provider}/{model_id} has no capabilities"
            if {"chat", "embeddings"} & set(model.capabilities):
                assert model.context_window, f"{provider}/{model_id} has no context window"


def test_cost_uses_cached_price_for_cached_tokens() -> None:
    from fluentai.types import Usage

    full = catalog.cost("openai", "gpt-4o-mini", Usage(1000, 100))
    cached = catalog.cost("openai", "gpt-4o-mini", Usage(1000, 100, cache_read_tokens=1000))
    assert full is not None and cached is not None and cached < full
    assert catalog.cost("openai", "gpt-4o-2024-08-06", Usage(10, 10)) is not None  # dated id


def test_the_shipped_json_is_models_yaml_compiled() -> None:
    """models.yaml is the one source; the build compiles it to models.json (hatch_build.py),
    which is what the package reads."""
    with open(catalog.SOURCE, "rb") as source, open(catalog.COMPILED, "rb") as compiled:
        assert json.loads(compiled.read()) == yaml.safe_load(source.read())


def test_pricing_a_response_decodes_only_that_providers_catalog() -> None:
    code = ("import sys; from fluentai import catalog; from fluentai.types import Usage; "
            "catalog.cost('openai', 'gpt-4o-mini', Usage(10, 10)); "
            "print(catalog.entry.cache_info().currsize, 'yaml' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["1", "False"]
