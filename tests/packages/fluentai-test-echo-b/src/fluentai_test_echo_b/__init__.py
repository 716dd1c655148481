"""One of two test distributions that claim the same provider name, 'echo' (as a fork of
a plugin installed beside the original would): the client must not choose silently."""

from __future__ import annotations

from fluentai import OpenAICompatible, hookimpl


class EchoB(OpenAICompatible):
    name = "echo"
    label = "Echo (b)"
    base_url = "http://127.0.0.1:9/b"
    requires_key = False


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [EchoB]
