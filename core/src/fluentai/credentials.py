"""Auth from credentials that hand out expiring access tokens (Google OAuth, Microsoft
Entra ID), shared by the plugins that need it.

A token is reused until ``margin`` seconds before it expires. Then one refresh serves
every request that needs it, sync or async, however many there are; it runs in a worker
thread, so an AsyncClient's event loop never waits on the token endpoint. Every token
obtained is registered as a secret of its provider before any request carries it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncGenerator, Callable, Generator
from concurrent.futures import Future

import httpx

Fetch = Callable[[], tuple[str, float | None]]
"""Obtain a fresh token: ``(token, expires_at)``, a Unix time or None for no expiry."""


class TokenAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` from ``fetch``, refreshed near expiry."""

    def __init__(self, fetch: Fetch, register: Callable[[str], None], *,
                 margin: float = 300.0, name: str = "token") -> None:
        self._fetch = fetch
        self._register = register
        self._margin = margin
        self._name = name
        self._current: tuple[str, float | None] | None = None
        self._refreshing: Future[str] | None = None
        self._lock = threading.Lock()

    def fresh(self) -> str | None:
        """The cached token while it is not near expiry, else None."""
        current = self._current
        if current is None:
            return None
        token, expires_at = current
        if expires_at is not None and expires_at - time.time() < self._margin:
            return None
        return token

    def refresh(self) -> Future[str]:
        """The refresh in flight, or a new one started in a worker thread."""
        with self._lock:
            running = self._refreshing
            if running is None:
                running = self._refreshing = Future()
                running.set_running_or_notify_cancel()  # a waiter's cancel cannot end it
                threading.Thread(target=self._run, args=(running,), daemon=True,
                                 name=f"fluentai-{self._name}-refresh").start()
            return running

    def _run(self, future: Future[str]) -> None:
        try:
            token, expires_at = self._fetch()
            self._register(token)
            self._current = (token, expires_at)
        except BaseException as exc:  # every waiter gets the failure; the next call retries
            with self._lock:
                self._refreshing = None
            future.set_exception(exc)
            return
        with self._lock:
            self._refreshing = None
        future.set_result(token)

    def token(self) -> str:
        """A valid token, blocking the calling thread while a refresh runs."""
        return self.fresh() or self.refresh().result()

    async def atoken(self) -> str:
        """A valid token; the event loop keeps running while a refresh runs."""
        fresh = self.fresh()
        if fresh is not None:
            return fresh
        return await asyncio.wrap_future(self.refresh())

    def sync_auth_flow(self, request: httpx.Request
                       ) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        yield request

    async def async_auth_flow(self, request: httpx.Request
                              ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = f"Bearer {await self.atoken()}"
        yield request

    def __repr__(self) -> str:
        return f"TokenAuth({self._name}, token='**********')"
