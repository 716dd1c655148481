"""A private event loop on a daemon thread: how a transport written for asyncio serves the
sync client (fluentai-http3 and fluentai-aiohttp use it)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


class LoopThread:
    """Runs coroutines on its own loop; ``close`` stops the loop and joins the thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True, name=name)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the loop and wait for its result (or exception)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def iterate(self, chunks: AsyncIterator[T]) -> Iterator[T]:
        """An async iterator's items, one loop round trip each."""
        while True:
            try:
                yield self.run(_next(chunks))
            except StopAsyncIteration:
                return

    @property
    def running(self) -> bool:
        return self.loop.is_running()

    def close(self, last: Coroutine[Any, Any, Any] | None = None) -> None:
        """Run ``last`` (e.g. closing connections), then stop the loop."""
        if not self.loop.is_running():
            if last is not None:
                last.close()
            return
        if last is not None:
            self.run(last)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()


async def _next(chunks: AsyncIterator[T]) -> T:
    return await chunks.__anext__()
