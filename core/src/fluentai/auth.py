"""The httpx.Auth classes core uses: a secret in one header, or nothing. They live apart
from ``provider.py`` so that defining a provider never imports httpx (``Provider.auth``
loads this module with the first request); ``fluentai.provider.HeaderAuth`` still
resolves here."""

from __future__ import annotations

from collections.abc import Callable, Generator

import httpx

from .provider import Secret


class HeaderAuth(httpx.Auth):
    """Puts a secret in one header, e.g. ``Authorization: Bearer …`` or ``x-api-key: …``.

    ``secret`` may be a function returning the current one (None: no header), read as each
    request goes out: a key rotated by ``set_api_key`` applies to every request sent after
    the rotation returns, and to none sent before it."""

    def __init__(self, secret: Secret | Callable[[], Secret | None],
                 header: str = "Authorization", scheme: str | None = "Bearer") -> None:
        self._secret = secret
        self._header = header
        self._prefix = f"{scheme} " if scheme else ""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        secret = self._secret if isinstance(self._secret, Secret) else self._secret()
        if secret is not None:
            request.headers[self._header] = self._prefix + secret.get()
        yield request

    def __repr__(self) -> str:
        return f"HeaderAuth(header={self._header!r}, value='**********')"


class NoAuth(httpx.Auth):
    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield request
