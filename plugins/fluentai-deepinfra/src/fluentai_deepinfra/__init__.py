"""DeepInfra: OpenAI-compatible chat and embeddings for open models.

Docs followed: https://deepinfra.com/docs/openai_api
"""

from __future__ import annotations

from fluentai import OpenAICompatible, hookimpl

__version__ = "0.1.0"


class DeepInfra(OpenAICompatible):
    name = "deepinfra"
    label = "DeepInfra"
    docs_url = "https://deepinfra.com/docs/openai_api"
    base_url = "https://api.deepinfra.com/v1/openai"
    api_key_env = ("DEEPINFRA_API_KEY", "DEEPINFRA_TOKEN")
    supports_embeddings = True


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [DeepInfra]
