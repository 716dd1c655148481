"""The load and long runs (``nox -s faults``; skipped unless FLUENTAI_FAULTS_LOAD=1): 500
concurrent streams of 500 chunks, 10,000 sequential requests (5,000 async) and 1,000 early
exits with no growth in file descriptors or memory. The server runs in a child process, so what is
measured here is the client alone.

The 500-chunk stream is the recorded OpenAI stream with one of its recorded content
events repeated (no provider recording is that long); everything else is as recorded."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import fluentai
from fluentai.events import TextDelta
from fluentai.testing import recordings

pytestmark = pytest.mark.skipif(os.environ.get("FLUENTAI_FAULTS_LOAD") != "1",
                                reason="a load run: nox -s faults (FLUENTAI_FAULTS_LOAD=1)")

FIX = recordings(Path(__file__).parents[1]) / "openai"
STREAM = FIX / "test_dbos_model_stream_direct.yaml"
CHAT = FIX / "test_max_completion_tokens[gpt-4o-mini].yaml"
SERVE = r"""
import json, sys
from fluentai.testing import ReplayServer, Reply, load_cassette
recording, length, delay = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
it = load_cassette(recording)[0]
frames = Reply.from_interaction(it).chunks
if length:  # the role, the first word, one recorded content event repeated, the end
    frames = [frames[0], frames[1], *[frames[2]] * (length - 6), *frames[-3:]]
reply = Reply(200, headers=it.response_headers, chunks=frames, chunk_delay=delay,
              repeat=True)
with ReplayServer([reply]) as server:
    print(server.port, flush=True)
    sys.stdin.read()
    server.wait_idle(5)
    print(json.dumps({"requests": len(server.requests), "abandoned": server.abandoned,
                      "active": server.active}), flush=True)
"""


class Remote:
    """A ReplayServer in a child process; ``stats()`` stops it and returns its counts."""

    def __init__(self, recording: Path, length: int = 0, delay: float = 0.0) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-c", SERVE, str(recording), str(length), str(delay)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        self.url = f"http://127.0.0.1:{self._process.stdout.readline().strip()}"

    def stats(self) -> dict[str, int]:
        out, _ = self._process.communicate("", timeout=30)
        return json.loads(out.strip().splitlines()[-1])

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()


@pytest.fixture
def remote() -> Iterator[Any]:
    made: list[Remote] = []

    def start(*args: Any, **kw: Any) -> Remote:
        made.append(Remote(*args, **kw))
        return made[-1]
    yield start
    for server in made:
        server.kill()


def settings(server: Remote) -> dict[str, Any]:
    return {"openai": {"api_key": "sk-load-0123456789", "base_url": server.url + "/v1"}}


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return kb / 1024


def fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_500_concurrent_streams_of_500_chunks(remote: Any) -> None:
    server = remote(STREAM, length=500)
    expected = "The" + " capital" * 494

    async def run() -> tuple[list[str], float]:
        peak, done = rss_mb(), asyncio.Event()

        async def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, rss_mb())
                await asyncio.sleep(0.05)

        sampler = asyncio.ensure_future(sample())
        async with fluentai.AsyncClient(providers=settings(server), retry=0) as client:
            results = await asyncio.gather(*(client.stream("openai/gpt-4o", "x").collect()
                                             for _ in range(500)), return_exceptions=True)
        done.set()
        await sampler
        errors = [r for r in results if isinstance(r, BaseException)]
        assert errors == [], f"{len(errors)} streams failed: {errors[:3]}"
        return [r.text for r in results if not isinstance(r, BaseException)], peak

    gc.collect()
    before = rss_mb()
    texts, peak = asyncio.run(run())
    assert texts == [expected] * 500
    assert server.stats()["requests"] == 500
    assert peak - before < 150, f"peak RSS grew {peak - before:.0f} MB"


@pytest.mark.parametrize("flavour,count", [("sync", 10_000), ("async", 5_000)])
def test_sequential_requests_leak_nothing(remote: Any, flavour: str, count: int) -> None:
    server = remote(CHAT)
    samples: list[tuple[int, float]] = []
    marks = (count // 10, count // 10 + (count - count // 10) // 2, count - 1)

    def sample(i: int) -> None:
        if i in marks:  # after a warm-up, then twice as far again
            gc.collect()
            samples.append((fds(), rss_mb()))

    if flavour == "sync":
        with fluentai.Client(providers=settings(server), retry=0) as client:
            for i in range(count):
                assert client.chat("openai/gpt-4o-mini", "hello").text
                sample(i)
    else:
        async def run() -> None:
            async with fluentai.AsyncClient(providers=settings(server), retry=0) as client:
                for i in range(count):
                    assert (await client.chat("openai/gpt-4o-mini", "hello")).text
                    sample(i)
        asyncio.run(run())
    assert server.stats()["requests"] == count
    (fds_start, rss_start), (fds_mid, rss_mid), (fds_end, rss_end) = samples
    assert fds_start == fds_mid == fds_end, f"file descriptors: {[s[0] for s in samples]}"
    growth = (rss_mid - rss_start, rss_end - rss_mid)
    assert sum(growth) < 10 and growth[1] < 6, f"RSS grew {growth} MB in two halves"


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_1000_early_exits_leak_nothing(remote: Any, flavour: str) -> None:
    # slow enough that every stream is still being sent when its caller leaves (the
    # async runs have 100 at once)
    server = remote(STREAM, delay=0.005 if flavour == "sync" else 0.05)
    before = fds()
    if flavour == "sync":
        with fluentai.Client(providers=settings(server), retry=0) as client:
            for _ in range(1_000):
                with client.stream("openai/gpt-4o", "x") as stream:
                    assert any(isinstance(ev, TextDelta) for ev in stream)  # stops at one
            after = fds()
    else:
        async def leave(client: fluentai.AsyncClient) -> None:
            async with client.stream("openai/gpt-4o", "x") as stream:
                async for event in stream:
                    if isinstance(event, TextDelta):
                        break

        async def run() -> tuple[int, int]:
            async with fluentai.AsyncClient(providers=settings(server), retry=0) as client:
                counts = []
                for _ in range(10):
                    await asyncio.gather(*(leave(client) for _ in range(100)))
                    counts.append(fds())  # the loop's own descriptors included
                return counts[0], counts[-1]
        before, after = asyncio.run(run())
    stats = server.stats()
    assert stats["requests"] == 1_000 and stats["active"] == 0
    assert stats["abandoned"] == 1_000, "the server kept sending to streams left early"
    assert after - before <= 2, f"file descriptors grew from {before} to {after}"
