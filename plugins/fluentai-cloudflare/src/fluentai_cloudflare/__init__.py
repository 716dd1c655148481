"""Cloudflare Workers AI: the OpenAI-compatible endpoint, whose URL contains the account id
(``/client/v4/accounts/{account_id}/ai/v1``). Both the API token and the account id are
required; the account id comes from ``account_id=...`` or CLOUDFLARE_ACCOUNT_ID.

Docs followed: https://developers.cloudflare.com/workers-ai/configuration/open-ai-compatibility/
"""

from __future__ import annotations

from fluentai import OpenAICompatible, hookimpl
from fluentai.errors import ConfigurationError

__version__ = "0.1.0"


class Cloudflare(OpenAICompatible):
    name = "cloudflare"
    label = "Cloudflare Workers AI"
    aliases = ("workers-ai",)
    docs_url = "https://developers.cloudflare.com/workers-ai/configuration/open-ai-compatibility/"
    base_url = "https://api.cloudflare.com/client/v4/accounts/{account_id}/ai/v1"
    api_key_env = ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_KEY")
    option_env = {"account_id": ("CLOUDFLARE_ACCOUNT_ID",)}
    supports_embeddings = True
    lists_models = False

    def missing_configuration(self) -> str | None:
        missing = [m for m in (super().missing_configuration(),
                               None if self.options.get("account_id") or "{account_id}"
                               not in self.base_url else "set CLOUDFLARE_ACCOUNT_ID") if m]
        return "; ".join(missing) or None

    def url(self, path: str) -> str:
        if "{account_id}" in self.base_url:
            account = self.options.get("account_id")
            if not account:
                raise ConfigurationError(
                    "No Cloudflare account id: set the environment variable "
                    "CLOUDFLARE_ACCOUNT_ID (or pass account_id=...); it is part of the URL.",
                    provider=self.name, env_var="CLOUDFLARE_ACCOUNT_ID")
            return self.base_url.replace("{account_id}", account) + path
        return self.base_url + path


@hookimpl
def fluentai_providers() -> list[type[OpenAICompatible]]:
    return [Cloudflare]
