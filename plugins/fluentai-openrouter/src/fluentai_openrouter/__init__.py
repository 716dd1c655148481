"""OpenRouter: one OpenAI-compatible API to many providers' models
(``openrouter/anthropic/claude-sonnet-4.5``).

Optional app attribution headers (``HTTP-Referer``, ``X-Title``) come from the ``app_url`` /
``app_name`` settings or OPENROUTER_APP_URL / OPENROUTER_APP_NAME; provider routing and
other OpenRouter parameters go through ``provider_options``
(e.g. ``{"provider": {"order": ["anthropic"]}}``); ``reasoning`` deltas are reasoning events.

Docs followed: https://openrouter.ai/docs/api-reference/chat-completion
"""

from __future__ import annotations

from fluentai import OpenAICompatible, hookimpl

__version__ = "0.1.0"


class OpenRouter(OpenAICompatible):
    name = "openrouter"
    label = "OpenRouter"
    docs_url = "https://openrouter.ai/docs/api-reference/chat-completion"
    base_url = "https://openrouter.ai/api/v1"
    api_key_env = ("OPENROUTER_API_KEY",)
    option_env = {"app_url": ("OPENROUTER_APP_URL",), "app_name": ("OPENROUTER_APP_NAME",)}
    supports_embeddings = True

    def headers(self) -> dict[str, str]:
        out = {}
        if self.options.get("app_url"):
            out["HTTP-Referer"] = self.options["app_url"]
        if self.options.get("app_name"):
            out["X-Title"] = self.options["app_name"]
        return out


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [OpenRouter]
