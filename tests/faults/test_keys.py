"""Rotating a key on a live client under concurrent use: no request is sent with a key older
than the last ``set_api_key`` that had returned when the request was made, and streams in
flight finish with the key they were sent with."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from typing import Any

from fluentai.events import TextDelta

THREADS, CALLS, ROTATIONS = 8, 15, 10
IN_FLIGHT = 100 if os.environ.get("FLUENTAI_FAULTS_LOAD") == "1" else 20


def test_no_request_carries_a_key_older_than_the_last_rotation(flavour: Any) -> None:
    started: dict[str, float] = {}
    rotated: list[float] = [0.0]  # rotated[i]: when set_api_key(key i) returned
    with flavour.server(flavour.chat_reply(repeat=True)) as server:
        client = flavour.client(server)
        done = threading.Event()

        def rotate() -> None:
            for i in range(1, ROTATIONS + 1):
                client.set_api_key(f"{flavour.KEY}-{i}")
                rotated.append(time.monotonic())
                time.sleep(0.01)
            done.set()

        def work(worker: int) -> None:
            for n in range(CALLS):
                call = f"{worker}-{n}"
                started[call] = time.monotonic()
                client.chat(headers={"x-call": call})

        if flavour.flavour == "sync":
            threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
            threads.append(threading.Thread(target=rotate))
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
        else:
            async def run() -> None:
                async def one(worker: int) -> None:
                    for n in range(CALLS):
                        call = f"{worker}-{n}"
                        started[call] = time.monotonic()
                        await client.aio.chat("openai/gpt-4o-mini", "hello",
                                              headers={"x-call": call})
                rotator = threading.Thread(target=rotate)
                rotator.start()
                await asyncio.gather(*(one(w) for w in range(THREADS)))
                await asyncio.to_thread(rotator.join, 30)
            client.runner.run(run())
        assert done.is_set()
        sent = [(r.headers["x-call"], r.headers["authorization"]) for r in server.requests]
    assert len(sent) == THREADS * CALLS
    stale = []
    for call, authorization in sent:
        key = authorization.removeprefix(f"Bearer {flavour.KEY}")
        index = int(key.removeprefix("-")) if key else 0
        newest = max(i for i, at in enumerate(rotated) if at <= started[call])
        if index < newest:
            stale.append((call, index, newest))
    assert stale == [], f"requests sent with a key older than the last rotation: {stale[:5]}"


def test_rotation_under_streams_in_flight(flavour: Any) -> None:
    """Streams are mid-answer when the key changes (``IN_FLIGHT`` async, 20 sync threads):
    each finishes whole, with the key it was sent with; requests after it have the new."""
    with flavour.server(flavour.stream_reply(chunk_delay=0.05, repeat=True)) as server:
        client = flavour.client(server)
        rotate = lambda: client.set_api_key(f"{flavour.KEY}-rotated")  # noqa: E731
        if flavour.flavour == "async":
            count, texts = IN_FLIGHT, client.runner.run(_streams_async(client, IN_FLIGHT,
                                                                       rotate))
        else:
            count, texts = 20, _streams_sync(client, 20, rotate)
        keys = [r.headers["authorization"] for r in server.requests]
    assert texts == [flavour.TEXT] * count
    assert keys == [f"Bearer {flavour.KEY}"] * count + [f"Bearer {flavour.KEY}-rotated"] * 2


async def _streams_async(client: Any, count: int, rotate: Any) -> list[str]:
    first = [asyncio.Event() for _ in range(count)]

    async def consume(i: int) -> str:
        text = ""
        async for event in client.aio.stream("openai/gpt-4o", "x"):
            if isinstance(event, TextDelta):
                text += event.text
                first[i].set()
        return text

    streams = [asyncio.ensure_future(consume(i)) for i in range(count)]
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in first)), 30)
    rotate()
    for _ in range(2):
        assert (await client.aio.stream("openai/gpt-4o", "x").collect()).text
    return list(await asyncio.gather(*streams))


def _streams_sync(client: Any, count: int, rotate: Any) -> list[str]:
    begun = threading.Barrier(count + 1)
    texts: list[str] = []

    def consume() -> None:
        text, waiting = "", True
        for event in client.sync.stream("openai/gpt-4o", "x"):
            if isinstance(event, TextDelta):
                text += event.text
                if waiting:
                    waiting = False
                    begun.wait(30)
        texts.append(text)

    threads = [threading.Thread(target=consume) for _ in range(count)]
    for t in threads:
        t.start()
    begun.wait(30)
    rotate()
    for _ in range(2):
        assert client.stream().text
    for t in threads:
        t.join(30)
    return texts
