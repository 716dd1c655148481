"""A provider plugin as spec/README.md shows it: an OpenAI-compatible provider in a few
lines, registered through the ``fluentai.providers`` entry point of its distribution.

Run as a script it registers the plugin on a client directly (``plugins=[...]``) and
chats through it; ``ACME_API_KEY`` and ``ACME_BASE_URL`` come from the environment.
"""

from __future__ import annotations

import sys
from typing import assert_type

import fluentai
from fluentai import ChatResponse, OpenAICompatible, hookimpl


class Acme(OpenAICompatible):          # or fluentai.Provider for a native wire format
    name = "acme"
    label = "Acme AI"
    base_url = "https://api.acme.example/v1"
    api_key_env = ("ACME_API_KEY",)
    base_url_env = ("ACME_BASE_URL",)


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [Acme]


if __name__ == "__main__":
    client = fluentai.Client(plugins=[sys.modules[__name__]])
    r = client.chat("acme/acme-1", "hello")
    assert_type(r, ChatResponse)
    print(r.text)
