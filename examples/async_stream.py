"""The README's async example: an AsyncClient streaming from Anthropic.

``ANTHROPIC_API_KEY`` and the base URL come from the environment (tests/test_examples.py
runs it against a local replay server).
"""

from __future__ import annotations

import asyncio
from typing import assert_type

import fluentai
from fluentai import AsyncStream, ChatResponse
from fluentai.events import StreamEvent, TextDelta


async def main() -> None:
    async with fluentai.AsyncClient() as c:
        stream = c.stream("anthropic/claude-sonnet-4-5", "Hello")
        assert_type(stream, AsyncStream)
        async for ev in stream:
            assert_type(ev, StreamEvent)
            if isinstance(ev, TextDelta):
                print(ev.text, end="", flush=True)
        print()
        r = await c.model("anthropic/claude-sonnet-4-5").max_tokens(1024).chat("Hello")
        assert_type(r, ChatResponse)
        print(r.text, r.usage.output_tokens)


asyncio.run(main())
