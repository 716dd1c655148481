"""Anthropic's Messages API (Claude): text, images, PDFs, tools, extended thinking with
signatures, prompt-caching usage, citations, model listing. Also answers to ``claude/...``.

The wire format lives in ``fluentai.wire.anthropic`` so that other hosts of Claude reuse
it; this plugin adds the endpoint and the ``x-api-key`` / ``anthropic-version`` headers.
Docs followed: https://docs.anthropic.com/en/api/messages
"""

from __future__ import annotations

from fluentai import Provider, hookimpl
from fluentai.wire.anthropic import AnthropicMessages

__version__ = "0.1.0"

API_VERSION = "2023-06-01"


class Anthropic(AnthropicMessages):
    name = "anthropic"
    label = "Anthropic"
    aliases = ("claude",)
    docs_url = "https://docs.anthropic.com/en/api/messages"
    base_url = "https://api.anthropic.com/v1"
    base_url_env = ("ANTHROPIC_BASE_URL",)  # as the anthropic SDK reads it: no /v1
    base_url_env_path = "/v1"
    api_key_env = ("ANTHROPIC_API_KEY",)
    auth_header = "x-api-key"
    auth_scheme = None
    option_env = {"beta": ("ANTHROPIC_BETA",)}
    lists_models = True

    def headers(self) -> dict[str, str]:
        out = {"anthropic-version": API_VERSION}
        if self.options.get("beta"):
            out["anthropic-beta"] = self.options["beta"]
        return out


@hookimpl
def fluentai_providers() -> list[type[Provider]]:
    return [Anthropic]
