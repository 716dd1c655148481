"""A third-party plugin that contributes no provider: it only replaces how `openai` requests
are authorized (as a company's key-vault integration would), without forking the plugin."""

from __future__ import annotations

import os

import httpx

from fluentai import Provider, hookimpl
from fluentai.provider import HeaderAuth, Secret


@hookimpl
def fluentai_providers() -> list[type[Provider]]:
    return []


@hookimpl
def fluentai_auth(provider: Provider) -> httpx.Auth | None:
    if provider.name != "openai" or "VAULT_TOKEN" not in os.environ:
        return None  # every other provider keeps its own auth
    return HeaderAuth(Secret(os.environ["VAULT_TOKEN"]), "Authorization", "Vault")

