"""An OpenAI-compatible provider declared in the tests, so that this plugin's tests need no
other plugin (its nox session installs only core and fluentai-aiohttp)."""

from __future__ import annotations

import sys

from fluentai import OpenAICompatible, hookimpl


class Local(OpenAICompatible):
    name = "local"
    base_url = "http://127.0.0.1/v1"
    api_key_env = ("LOCAL_API_KEY",)
    supports_embeddings = True


@hookimpl
def fluentai_providers() -> list[type[Local]]:
    return [Local]


PLUGIN = sys.modules[__name__]
