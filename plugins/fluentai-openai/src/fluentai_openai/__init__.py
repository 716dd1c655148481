"""OpenAI: Chat Completions, tools, structured output, embeddings, transcription, models.

Docs followed: https://platform.openai.com/docs/api-reference/chat
"""

from __future__ import annotations

from fluentai import OpenAICompatible, hookimpl

__version__ = "0.1.0"


class OpenAI(OpenAICompatible):
    name = "openai"
    label = "OpenAI"
    docs_url = "https://platform.openai.com/docs/api-reference/chat"
    base_url = "https://api.openai.com/v1"
    base_url_env = ("OPENAI_BASE_URL",)
    api_key_env = ("OPENAI_API_KEY",)
    option_env = {"organization": ("OPENAI_ORG_ID", "OPENAI_ORGANIZATION"),
                  "project": ("OPENAI_PROJECT_ID", "OPENAI_PROJECT")}
    max_tokens_field = "max_completion_tokens"
    embedding_encoding = "base64"
    supports_embeddings = True
    supports_transcription = True

    def headers(self) -> dict[str, str]:
        out = {}
        if self.options.get("organization"):
            out["OpenAI-Organization"] = self.options["organization"]
        if self.options.get("project"):
            out["OpenAI-Project"] = self.options["project"]
        return out


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [OpenAI]
