"""Benchmarks: fluentai against the limit (a raw asyncio client: sockets, chunked decoding,
json.loads), the floor (raw httpx + json), the openai SDK and litellm.

Every figure comes from this one run. Each measurement is one client in its own process
against the same local server (bench/server.py, a separate process, so its CPU never
counts); client CPU is process time. The clients of a scenario run interleaved, in a
rotating order, in each of ``--rounds`` rounds; a ratio is computed within each round and
reported as its median with the min-max over the rounds. Writes bench/RESULTS.md.

    nox -s bench                       # or: python bench/run.py [--rounds N] [--quick]

Environments: "clean" is the interpreter running this script (the nox session: core,
fluentai-openai, the two transport plugins, the openai SDK, litellm); "bootstrap" is the
repository's .venv (core and every plugin, editable) when it exists. Bytecode is compiled
first in both, as pip does on install.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BOOTSTRAP = ROOT / ".venv" / ("Scripts" if sys.platform == "win32" else "bin") / "python"
MESSAGES = [{"role": "user", "content": "Hello"}]
PEERS = ("openai", "litellm")

# --- the clients ------------------------------------------------------------------------


def _count(chunk: dict[str, Any]) -> int:
    n = 0
    for choice in chunk["choices"]:
        delta = choice["delta"]
        if delta.get("content") or delta.get("tool_calls"):
            n += 1
    return n


class RawAsyncio:
    """The limit: one keep-alive socket, chunked decoding by hand, json.loads per event."""

    def __init__(self, url: str) -> None:
        self.host, port = url.removeprefix("http://").split(":")
        self.port = int(port)
        self.conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.conn is None:
            self.conn = await asyncio.open_connection(self.host, self.port)
        return self.conn

    async def _send(self, body: dict[str, Any]) -> tuple[asyncio.StreamReader, bytes]:
        reader, writer = await self._connection()
        data = json.dumps(body).encode()
        writer.write(b"POST /chat/completions HTTP/1.1\r\nhost: %s\r\nauthorization: Bearer x"
                     b"\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                     % (self.host.encode(), len(data), data))
        return reader, await reader.readuntil(b"\r\n\r\n")

    async def request(self, prompt: str = "Hello") -> Any:
        reader, head = await self._send({"model": "small", "messages": [
            {"role": "user", "content": prompt}]})
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        return json.loads(await reader.readexactly(length))

    async def stream(self, model: str) -> int:
        reader, _ = await self._send({"model": model, "messages": MESSAGES, "stream": True})
        n, buffer = 0, b""
        while True:
            size = int((await reader.readuntil(b"\r\n"))[:-2], 16)
            data = await reader.readexactly(size + 2)
            if size == 0:
                return n
            buffer += data[:-2]
            *events, buffer = buffer.split(b"\n\n")
            for event in events:
                if event.startswith(b"data: ") and event != b"data: [DONE]":
                    n += _count(json.loads(event[6:]))


def stream_consumer(client: str, url: str, transport: str = "http1", ca: str | None = None,
                    opened: list[int] | None = None) -> Callable[[str], Awaitable[int]]:
    """An async function that consumes one streamed response and returns the chunk count.
    ``opened`` counts the streams that have their response headers right now (and [1] the
    most at once)."""
    opened = opened if opened is not None else [0, 0]

    def up() -> None:
        opened[0] += 1
        opened[1] = max(opened[1], opened[0])

    if client == "asyncio":
        raw = RawAsyncio(url)
        return raw.stream
    if client == "httpx":
        import httpx

        http = httpx.AsyncClient(base_url=url, timeout=600, http2=transport == "http2",
                                 verify=_verify(ca), limits=httpx.Limits(max_connections=1000))

        async def floor(model: str) -> int:
            n = 0
            body = {"model": model, "messages": MESSAGES, "stream": True}
            async with http.stream("POST", "/chat/completions", json=body,
                                   headers={"authorization": "Bearer x"}) as r:
                up()
                try:
                    async for line in r.aiter_lines():
                        if line.startswith("data: ") and line != "data: [DONE]":
                            n += _count(json.loads(line[6:]))
                finally:
                    opened[0] -= 1
            return n

        return floor
    if client == "aiohttp":
        import aiohttp

        session: list[aiohttp.ClientSession] = []

        async def bare(model: str) -> int:
            if not session:
                session.append(aiohttp.ClientSession(base_url=url))
            n, buffer = 0, b""
            body = {"model": model, "messages": MESSAGES, "stream": True}
            async with session[0].post("/chat/completions", json=body,
                                       headers={"authorization": "Bearer x"}) as r:
                async for data in r.content.iter_any():
                    buffer += data
                    *events, buffer = buffer.split(b"\n\n")
                    for event in events:
                        if event.startswith(b"data: ") and event != b"data: [DONE]":
                            n += _count(json.loads(event[6:]))
            return n

        return bare
    if client.startswith("fluentai"):
        import fluentai

        name = "aiohttp" if client == "fluentai-aiohttp" else transport
        fa = fluentai.AsyncClient(providers={"openai": {"api_key": "x", "base_url": url}},
                                  transport=fluentai.TransportOptions(name=name,
                                                                      verify=ca or True))

        async def fluent(model: str) -> int:
            n, first = 0, True
            try:
                async for ev in fa.stream(f"openai/{model}", "Hello"):
                    if first:
                        up()
                        first = False
                    if type(ev).__name__ in ("TextDelta", "ToolCallDelta"):
                        n += 1
            finally:
                opened[0] -= 0 if first else 1
            return n

        return fluent
    if client == "openai":
        import openai

        oa = openai.AsyncOpenAI(api_key="x", base_url=url, max_retries=0)

        async def sdk(model: str) -> int:
            n = 0
            stream = await oa.chat.completions.create(model=model, messages=MESSAGES,
                                                      stream=True)  # type: ignore[arg-type]
            async for chunk in stream:
                for choice in chunk.choices:
                    if choice.delta.content or choice.delta.tool_calls:
                        n += 1
            return n

        return sdk
    import litellm

    async def lite(model: str) -> int:
        n = 0
        stream = await litellm.acompletion(model=f"openai/{model}", api_base=url, api_key="x",
                                           messages=MESSAGES, stream=True)
        async for chunk in stream:
            for choice in chunk.choices:
                if choice.delta.content or choice.delta.tool_calls:
                    n += 1
        return n

    return lite


def requester(client: str, url: str, mode: str) -> Callable[[str], Any]:
    """One non-streamed request with a given prompt: a plain function (sync) or a
    coroutine function (async)."""
    if client == "asyncio":
        return RawAsyncio(url).request
    if client == "aiohttp":
        import aiohttp

        sessions: list[aiohttp.ClientSession] = []

        async def bare(prompt: str) -> Any:
            if not sessions:
                sessions.append(aiohttp.ClientSession(base_url=url))
            body = {"model": "small", "messages": [{"role": "user", "content": prompt}]}
            async with sessions[0].post("/chat/completions", json=body,
                                        headers={"authorization": "Bearer x"}) as r:
                return json.loads(await r.read())

        return bare
    if client == "httpx":
        import httpx

        def body(prompt: str) -> dict[str, Any]:
            return {"model": "small", "messages": [{"role": "user", "content": prompt}]}

        headers = {"authorization": "Bearer x"}
        if mode == "sync":
            http = httpx.Client(base_url=url)
            return lambda p: json.loads(http.post("/chat/completions", json=body(p),
                                                  headers=headers).content)
        ahttp = httpx.AsyncClient(base_url=url)

        async def floor(prompt: str) -> Any:
            r = await ahttp.post("/chat/completions", json=body(prompt), headers=headers)
            return json.loads(r.content)

        return floor
    if client.startswith("fluentai"):
        import fluentai

        kw: dict[str, Any] = {"providers": {"openai": {"api_key": "x", "base_url": url}}}
        if client == "fluentai-aiohttp":
            kw["transport"] = "aiohttp"
        if mode == "sync":
            fa = fluentai.Client(**kw)
            return lambda p: fa.chat("openai/small", p)
        afa = fluentai.AsyncClient(**kw)
        return lambda p: afa.chat("openai/small", p)
    if client == "openai":
        import openai

        def msgs(prompt: str) -> Any:
            return [{"role": "user", "content": prompt}]

        if mode == "sync":
            oa = openai.OpenAI(api_key="x", base_url=url, max_retries=0)
            return lambda p: oa.chat.completions.create(model="small", messages=msgs(p))
        aoa = openai.AsyncOpenAI(api_key="x", base_url=url, max_retries=0)
        return lambda p: aoa.chat.completions.create(model="small", messages=msgs(p))
    import litellm

    call = litellm.completion if mode == "sync" else litellm.acompletion
    return lambda p: call(model="openai/small", api_base=url, api_key="x",
                          messages=[{"role": "user", "content": p}])


def _verify(ca: str | None) -> Any:
    import ssl

    return ssl.create_default_context(cafile=ca) if ca else True


# --- one worker process: one client, one scenario ---------------------------------------


def _maxrss_mb() -> float:
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def worker(client: str, scenarios: str, url: str) -> dict[str, Any]:
    """Several scenarios, comma-separated, in one process (CPU figures only: peak RSS is
    per process, so memory scenarios run alone)."""
    return {scenario: measure(client, scenario, url) for scenario in scenarios.split(",")}


def measure(client: str, scenario: str, url: str) -> dict[str, Any]:
    """Scenarios: ``chunk:<model>`` (CPU per chunk, median of 3 streams after a warm-up),
    ``request:<sync|async>:<bytes>`` (CPU per request),
    ``concurrent:<streams>:<chunks>[:unpaced]`` (paced: ten frames every 10 ms),
    ``tls:<transport>:<model>`` (per chunk over TLS)."""
    kind, *args = scenario.split(":")
    if kind == "paired":
        return paired(args[0], url)
    if kind == "request":
        mode, size = args[0], int(args[1])
        prompt = "x" * size
        count = max(10, min(200, 20_000_000 // (size * 100 + 100_000)))
        call = requester(client, url, mode)

        def many(n: int) -> None:
            if mode == "sync":
                for _ in range(n):
                    call(prompt)
            else:
                async def go() -> None:
                    for _ in range(n):
                        await call(prompt)
                loop.run_until_complete(go())

        loop = asyncio.new_event_loop()
        many(max(5, count // 5))
        base = _maxrss_mb()
        samples = []
        for _ in range(3):
            start = time.process_time()
            many(count)
            samples.append((time.process_time() - start) / count * 1e6)
        return {"us": statistics.median(samples), "peak_mb": _maxrss_mb(), "base_mb": base}
    transport, ca = "http1", None
    if kind == "tls":
        transport, args = args[0], args[1:]
        ca = str(HERE / ".tls" / "ca.pem")
    if kind == "concurrent":
        streams, chunks = int(args[0]), int(args[1])
        model = f"text-{chunks}" if args[2:] == ["unpaced"] else f"paced-text-{chunks}"
        opened = [0, 0]
        consume = stream_consumer(client, url, opened=opened)

        async def crowd() -> tuple[float, float]:
            await consume(model)
            opened[1] = 0
            wall, cpu = time.perf_counter(), time.process_time()
            counts = await asyncio.gather(*(consume(model) for _ in range(streams)))
            assert all(c == chunks for c in counts), "a stream lost chunks"
            return time.perf_counter() - wall, time.process_time() - cpu

        base = _maxrss_mb()
        wall, cpu = asyncio.run(crowd())
        return {"wall_s": wall, "us": cpu / (streams * chunks) * 1e6, "peak_mb": _maxrss_mb(),
                "base_mb": base, "open_at_once": opened[1]}
    model = args[0]
    consume = stream_consumer(client, url, transport, ca)

    async def run() -> tuple[list[float], float]:
        n = await consume(model)  # warm-up
        base = _maxrss_mb()
        samples = []
        for _ in range(1 if n >= 50_000 else 3):
            start = time.process_time()
            got = await consume(model)
            samples.append((time.process_time() - start) / got * 1e6)
            assert got == n
        return samples, base

    samples, base = asyncio.run(run())
    return {"us": statistics.median(samples), "peak_mb": _maxrss_mb(), "base_mb": base}


def paired(mode: str, url: str) -> dict[str, Any]:
    """fluentai and raw httpx in one process, in alternating batches of requests (or
    streams, ``mode="stream"``): the ratio of each pair of batches, with no drift of the
    machine's load between them."""
    loop = asyncio.new_event_loop()
    if mode == "stream":
        streams = [stream_consumer(c, url) for c in ("fluentai", "httpx")]

        def run(consume: Callable[[str], Awaitable[int]]) -> float:
            start = time.process_time()
            loop.run_until_complete(consume("text-2000"))
            return time.process_time() - start

        run(streams[0]), run(streams[1])
        ratios = [run(streams[0]) / run(streams[1]) for _ in range(10)]
        return {"us": statistics.median(ratios), "ratios": ratios}
    ours, floor = requester("fluentai", url, mode), requester("httpx", url, mode)

    def batch(call: Callable[[str], Any], n: int = 100) -> float:
        start = time.process_time()
        if mode == "sync":
            for _ in range(n):
                call("x" * 100)
        else:
            async def go() -> None:
                for _ in range(n):
                    await call("x" * 100)
            loop.run_until_complete(go())
        return time.process_time() - start

    batch(ours, 30), batch(floor, 30)
    ratios = [batch(ours) / batch(floor) for _ in range(10)]
    return {"us": statistics.median(ratios), "ratios": ratios}


# --- the driver -------------------------------------------------------------------------


class Bench:
    def __init__(self, rounds: int, python: str, cache: str) -> None:
        self.rounds = rounds
        self.python = python
        self.env = {**os.environ, "FLUENTAI_CACHE_DIR": cache}
        self.results: dict[tuple[str, str], list[dict[str, Any] | None]] = {}
        self.failed: list[str] = []

    def run(self, client: str, scenario: str, url: str, python: str | None = None,
            key: str | None = None) -> None:
        """One worker process; ``scenario`` may name several, comma-separated."""
        proc = subprocess.run([python or self.python, __file__, "worker", client, scenario,
                               url], capture_output=True, text=True, timeout=900,
                              env=self.env)
        names = scenario.split(",")
        found: dict[str, Any] = {}
        if proc.returncode != 0:
            self.failed.append(f"{client} {scenario}: {proc.stderr.strip()[-300:]}")
            print(f"  {client} {scenario}: failed\n{proc.stderr[-1500:]}", file=sys.stderr)
        else:
            found = json.loads(proc.stdout.strip().splitlines()[-1])
        for name in names:
            self.results.setdefault((client, key or name), []).append(found.get(name))

    def interleaved(self, clients: list[str], scenarios: list[str], url: str,
                    round_: int) -> None:
        for scenario in scenarios:
            for client in clients[round_ % len(clients):] + clients[:round_ % len(clients)]:
                if client in ("asyncio", "aiohttp") and "request:sync" in scenario:
                    scenario_ = ",".join(s for s in scenario.split(",")
                                         if not s.startswith("request:sync"))
                else:
                    scenario_ = scenario
                print(f"  round {round_ + 1}: {client:17} {scenario_}", file=sys.stderr,
                      flush=True)
                self.run(client, scenario_, url)

    def values(self, client: str, scenario: str, field: str = "us") -> list[float | None]:
        return [None if r is None else r.get(field)
                for r in self.results.get((client, scenario), [])]

    def ratio(self, client: str, base: str, scenario: str, field: str = "us") -> str:
        """Median of the per-round ratios, with their min-max."""
        pairs = zip(self.values(client, scenario, field), self.values(base, scenario, field),
                    strict=False)
        ratios = [a / b for a, b in pairs if a and b]
        if not ratios:
            return "-"
        low, high = min(ratios), max(ratios)
        return f"{statistics.median(ratios):.2f}× ({low:.2f}-{high:.2f})"

    def median(self, client: str, scenario: str, field: str = "us") -> float | None:
        found = [v for v in self.values(client, scenario, field) if v is not None]
        return statistics.median(found) if found else None


def cold_starts(python: str, peer_python: str, url: str, runs: int, env: dict[str, str]
                ) -> dict[str, list[float]]:
    """Whole processes, wall time, interleaved: import + resolve, and one chat call."""
    chat = (f"import fluentai; fluentai.Client(providers={{'openai': {{'api_key': 'x', "
            f"'base_url': '{url}'}}}}).chat('openai/small', 'Hello')")
    sdk = (f"import openai; openai.OpenAI(api_key='x', base_url='{url}', max_retries=0)"
           f".chat.completions.create(model='small', messages=[{{'role': 'user', "
           f"'content': 'Hello'}}])")
    commands = {
        "fluentai resolve": [python, "-c", "import fluentai; "
                                           "fluentai.Client().provider('openai')"],
        "import openai": [peer_python, "-c", "import openai"],
        "fluentai chat": [python, "-c", chat],
        "openai chat": [peer_python, "-c", sdk],
    }
    out: dict[str, list[float]] = {k: [] for k in commands}
    for command in commands.values():  # warm the page cache and the plugin index
        subprocess.run(command, check=True, env=env, capture_output=True)
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, check=True, env=env, capture_output=True)
            out[name].append(time.perf_counter() - start)
    return out


def compile_bytecode(python: str) -> None:
    """What pip does on install (this workspace may set PYTHONDONTWRITEBYTECODE)."""
    paths = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                                          "['purelib'])"], capture_output=True, text=True,
                           check=True).stdout.split()
    if python == str(BOOTSTRAP):
        paths += [str(ROOT / "core" / "src"), *map(str, ROOT.glob("plugins/*/src"))]
    subprocess.run([python, "-m", "compileall", "-q", "-j0", *paths], check=False,
                   capture_output=True)


def available(module: str, python: str) -> bool:
    if python == sys.executable:
        return importlib.util.find_spec(module) is not None
    return subprocess.run([python, "-c", f"import importlib.util, sys; sys.exit("
                                         f"importlib.util.find_spec({module!r}) is None)"],
                          capture_output=True).returncode == 0


def serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    server = subprocess.Popen([sys.executable, str(HERE / "server.py"), *args],
                              stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    return server, server.stdout.readline().strip()


def stats(url: str) -> dict[str, int]:
    import urllib.request

    with urllib.request.urlopen(url + "/stats") as answer:  # the local bench server
        return json.loads(answer.read())  # type: ignore[no-any-return]


def main(rounds: int, quick: bool) -> None:
    started = time.perf_counter()
    python = sys.executable
    bootstrap = str(BOOTSTRAP) if BOOTSTRAP.exists() and str(BOOTSTRAP) != python else None
    for interpreter in filter(None, (python, bootstrap)):
        compile_bytecode(interpreter)
    scale = 10 if quick else 1
    server, port = serve()
    url = f"http://127.0.0.1:{port}"
    tls_server, tls_port = serve("--tls", str(HERE / ".tls"))
    tls_url = f"https://127.0.0.1:{tls_port}"
    peers = [p for p in PEERS if available(p, python)]
    ours = ["asyncio", "aiohttp", "httpx", "fluentai", "fluentai-aiohttp"]
    framed, bulk = f"chunk:text-{5000 // scale}", f"chunk:bulk-text-{5000 // scale}"
    lengths = [f"chunk:text-{n // scale}" for n in (1_000, 10_000, 100_000)]
    sizes = [f"request:async:{n}" for n in (1_000, 100_000, 1_000_000)]
    crowds = [f"concurrent:{n}:{100 // scale}" for n in (50, 200, 500, 1000)]
    crowds.append(f"concurrent:1000:{100 // scale}:unpaced")
    tls = [f"tls:{t}:text-{2000 // scale}" for t in ("http1", "http2", "http3")]
    with tempfile.TemporaryDirectory() as cache:
        bench = Bench(rounds, python, cache)
        open_at_once: dict[str, list[int]] = {}
        try:
            for r in range(rounds):
                bench.interleaved([*ours, *peers], [f"{framed},{bulk},request:sync:100,"
                                                    "request:async:100"], url, r)
                bench.interleaved([c for c in ours if c != "aiohttp"], [*lengths, *sizes],
                                  url, r)
                bench.run("fluentai", "paired:sync,paired:async,paired:stream", url)
                for crowd in crowds:
                    for client in ("httpx", "fluentai", "fluentai-aiohttp"):
                        print(f"  round {r + 1}: {client:17} {crowd}", file=sys.stderr)
                        bench.run(client, crowd, url)
                        open_at_once.setdefault(f"{client} {crowd}", []).append(
                            stats(url)["peak"])
                for scenario in tls:
                    for client in ("httpx", "fluentai"):
                        if not (client == "httpx" and "http3" in scenario):
                            bench.run(client, scenario, tls_url)
                bench.run("fluentai-aiohttp", tls[0], tls_url, key="tls:aiohttp")
                if bootstrap:
                    bench.run("fluentai", "paired:async", url, bootstrap,
                              key="bootstrap paired:async")
            cold = cold_starts(bootstrap or python, python, url, 2 * rounds, bench.env)
            cold_clean = cold_starts(python, python, url, 2 * rounds, bench.env) \
                if bootstrap else None
        finally:
            server.terminate()
            tls_server.terminate()
    run = {"rounds": rounds, "results": [[c, s, v] for (c, s), v in bench.results.items()],
           "failed": bench.failed, "peers": peers, "framed": framed, "bulk": bulk,
           "lengths": lengths, "sizes": sizes, "crowds": crowds, "tls": tls,
           "open_at_once": open_at_once, "cold": cold, "cold_clean": cold_clean,
           "has_bootstrap": bootstrap is not None, "took": time.perf_counter() - started,
           "date": time.strftime("%Y-%m-%d")}
    LAST_RUN.write_text(json.dumps(run))
    report(run)


LAST_RUN = HERE / ".last-run.json"  # the raw figures of the last run (--report rewrites)


def report(run: dict[str, Any]) -> None:
    """RESULTS.md from one run's raw figures (and NOTES.md)."""
    bench = Bench(run["rounds"], sys.executable, "")
    bench.results = {(c, s): v for c, s, v in run["results"]}
    bench.failed = run["failed"]
    write_results(bench, run["peers"], run["framed"], run["bulk"], run["lengths"],
                  run["sizes"], run["crowds"], run["tls"], run["open_at_once"], run["cold"],
                  run["cold_clean"], run["has_bootstrap"], run["took"], run["date"])


# --- RESULTS.md -------------------------------------------------------------------------


def _paired(b: Bench, key: str) -> str:
    ratios = [x for r in b.results.get(("fluentai", key), []) if r for x in r["ratios"]]
    if not ratios:
        return "-"
    return f"**{statistics.median(ratios):.2f}×** ({min(ratios):.2f}-{max(ratios):.2f})"


def _fmt(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def _cold_ratio(cold: dict[str, list[float]], a: str, b: str) -> str:
    ratios = [x / y for x, y in zip(cold[a], cold[b], strict=True)]
    return (f"{statistics.median(ratios):.2f}× ({min(ratios):.2f}-{max(ratios):.2f})")


def write_results(bench: Bench, peers: list[str], framed: str, bulk: str, lengths: list[str],
                  sizes: list[str], crowds: list[str], tls: list[str],
                  open_at_once: dict[str, list[int]], cold: dict[str, list[float]],
                  cold_clean: dict[str, list[float]] | None, has_bootstrap: bool,
                  took: float, date: str) -> None:
    b = bench
    lines = ["# Benchmark results", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
             f"{platform.python_version()}, {platform.system()}. Versions: "
             + ", ".join(f"{d} {_version(d)}" for d in ("httpx", "aiohttp", "openai",
                                                          "litellm", "fluentai-core"))
             + f". Generated by `nox -s bench` ({date}) in "
             f"{took / 60:.1f} minutes, {b.rounds} interleaved rounds. Every figure is from "
             "this run: client CPU (process time) unless marked wall; each cell is the median "
             "over the rounds and each ratio the median of the per-round ratios with their "
             "min-max. `asyncio` is a raw asyncio client (the limit), `httpx` raw httpx with "
             "json.loads (the floor), `fluentai-aiohttp` fluentai with `transport=\"aiohttp\"`.",
             ""]
    clients = ["asyncio", "aiohttp", "httpx", "fluentai", "fluentai-aiohttp", *peers]
    lines += ["## Per streamed chunk (µs): framed (one SSE event per chunked frame) and bulk "
              "(64 KiB writes)", "",
              "| stream | " + " | ".join(clients) + " | fluentai ÷ httpx | fluentai ÷ asyncio "
              "| fluentai-aiohttp ÷ asyncio | " + " | ".join(f"{p} ÷ fluentai" for p in peers)
              + " | " + " | ".join(f"{p} ÷ fluentai-aiohttp" for p in peers) + " |",
              "|---" * (len(clients) + 4 + 2 * len(peers)) + "|"]
    for label, scenario in (("framed", framed), ("bulk", bulk)):
        lines.append(f"| {label} (`{scenario.split(':')[1]}`) | "
                     + " | ".join(_fmt(b.median(c, scenario)) for c in clients) + " | "
                     + " | ".join([b.ratio("fluentai", "httpx", scenario),
                                   b.ratio("fluentai", "asyncio", scenario),
                                   b.ratio("fluentai-aiohttp", "asyncio", scenario),
                                   *(b.ratio(p, "fluentai", scenario) for p in peers),
                                   *(b.ratio(p, "fluentai-aiohttp", scenario)
                                     for p in peers)]) + " |")
    lines += ["", "## Per request (µs; a 100-byte prompt, non-streamed)", "",
              "| mode | " + " | ".join(clients) + " | fluentai ÷ httpx | fluentai ÷ asyncio | "
              "fluentai-aiohttp ÷ asyncio | " + " | ".join(f"{p} ÷ fluentai" for p in peers)
              + " |", "|---" * (len(clients) + 4 + len(peers)) + "|"]
    for mode in ("sync", "async"):
        scenario = f"request:{mode}:100"
        lines.append(f"| {mode} | " + " | ".join(_fmt(b.median(c, scenario)) for c in clients)
                     + " | " + " | ".join([b.ratio("fluentai", "httpx", scenario),
                                           b.ratio("fluentai", "asyncio", scenario),
                                           b.ratio("fluentai-aiohttp", "asyncio", scenario),
                                           *(b.ratio(p, "fluentai", scenario)
                                             for p in peers)]) + " |")
    lines += ["", "fluentai ÷ httpx measured in one process, alternating batches of 100 "
              "requests or single streams (median of the batch ratios, min-max; no drift of "
              "the machine's load between the two): "
              + ", ".join(f"{label} {_paired(b, key)}" for label, key in (
                  ("sync", "paired:sync"), ("async", "paired:async"),
                  ("per framed chunk (`text-2000` streams, async)", "paired:stream"),
                  ("async in the bootstrap environment (`.venv`: core and every plugin, "
                   "editable)", "bootstrap paired:async")) if b.values("fluentai", key))
              + "; aiohttp ÷ asyncio (the aiohttp library alone, async): "
              + b.ratio("aiohttp", "asyncio", "request:async:100") + "."]
    lines += _scaling(b, "Stream length (framed): CPU per chunk (µs) and peak RSS (MB)",
                      "chunks", {s: f"{int(s.split('-')[-1]):,}" for s in lengths}, 1)
    lines += _scaling(b, "Prompt size (async, non-streamed): CPU per request (µs) and peak "
                         "RSS (MB)", "prompt bytes",
                      {s: f"{int(s.split(':')[2]):,}" for s in sizes}, 0)
    crowd_clients = ["httpx", "fluentai", "fluentai-aiohttp"]
    lines += ["", "## Concurrent streams (each 100 chunks, ten every 10 ms; the last row "
              "back to back): wall s, CPU per chunk µs, peak RSS MB, streams open at once "
              "(client / server)", "",
              "| streams | " + " | ".join(crowd_clients) + " | fluentai ÷ httpx (wall) | "
              "fluentai ÷ httpx (CPU/chunk) | fluentai ÷ httpx (RSS) |",
              "|---" * (len(crowd_clients) + 4) + "|"]
    for scenario in crowds:
        cells = []
        for c in crowd_clients:
            server_peak = open_at_once.get(f"{c} {scenario}") or [0]
            cells.append(f"{_fmt(b.median(c, scenario, 'wall_s'), 2)} s, "
                         f"{_fmt(b.median(c, scenario))} µs, "
                         f"{_fmt(b.median(c, scenario, 'peak_mb'), 0)} MB, "
                         f"{_fmt(b.median(c, scenario, 'open_at_once'), 0)} / "
                         f"{max(server_peak)}")
        label = scenario.split(":")[1] + (" unpaced" if scenario.endswith("unpaced") else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " | "
                     + " | ".join(b.ratio("fluentai", "httpx", scenario, f)
                                  for f in ("wall_s", "us", "peak_mb")) + " |")
    lines += ["", "## Transports (CPU per streamed chunk, µs; TLS, hypercorn, "
              f"`{tls[0].split(':')[2]}`)", "",
              "| transport | raw httpx | fluentai | fluentai ÷ raw httpx | fluentai ÷ fluentai "
              "on HTTP/1.1 |", "|---|---|---|---|---|"]
    h1 = tls[0]
    for scenario in [*tls, "tls:aiohttp"]:
        name = scenario.split(":")[1]
        client = "fluentai-aiohttp" if name == "aiohttp" else "fluentai"
        raw = b.median("httpx", scenario)
        ours_ = b.median(client, scenario)
        over_h1 = [x / y for x, y in zip(b.values(client, scenario),
                                         b.values("fluentai", h1), strict=False) if x and y]
        lines.append(f"| {name} | {_fmt(raw)} | {_fmt(ours_)} | "
                     f"{b.ratio(client, 'httpx', scenario) if raw else '-'} | "
                     + (f"{statistics.median(over_h1):.2f}× ({min(over_h1):.2f}-"
                        f"{max(over_h1):.2f})" if over_h1 else "-") + " |")
    lines += ["", "## Cold start (whole processes, wall ms; interleaved)", "",
              "| environment | `import fluentai; Client().provider('openai')` | "
              "`import openai` | ratio | one chat call: fluentai | one chat call: openai SDK "
              "| ratio |", "|---|---|---|---|---|---|---|"]
    for label, found in (("bootstrap (every plugin)" if has_bootstrap else "clean", cold),
                         ("clean", cold_clean)):
        if found is None:
            continue
        ms = {k: statistics.median(v) * 1000 for k, v in found.items()}
        lines.append(f"| {label} | {ms['fluentai resolve']:.0f} | {ms['import openai']:.0f} | "
                     f"{_cold_ratio(found, 'fluentai resolve', 'import openai')} | "
                     f"{ms['fluentai chat']:.0f} | {ms['openai chat']:.0f} | "
                     f"{_cold_ratio(found, 'fluentai chat', 'openai chat')} |")
    if b.failed:
        lines += ["", "Runs that failed (left out above): " + "; ".join(b.failed)]
    notes = HERE / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text().strip()]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _scaling(b: Bench, title: str, what: str, rows: dict[str, str], digits: int
             ) -> list[str]:
    """A table of CPU and peak RSS as one dimension grows."""
    ours = ["asyncio", "httpx", "fluentai", "fluentai-aiohttp"]
    lines = ["", f"## {title}", "", f"| {what} | " + " | ".join(ours)
             + " | fluentai ÷ httpx | fluentai-aiohttp ÷ asyncio |", "|---" * (len(ours) + 3)
             + "|"]
    for scenario, label in rows.items():
        cells = [f"{_fmt(b.median(c, scenario), digits)} µs, "
                 f"{_fmt(b.median(c, scenario, 'peak_mb'), 0)} MB" for c in ours]
        lines.append(f"| {label} | " + " | ".join(cells) + " | "
                     + b.ratio("fluentai", "httpx", scenario) + " | "
                     + b.ratio("fluentai-aiohttp", "asyncio", scenario) + " |")
    return lines


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        print(json.dumps(worker(*sys.argv[2:5])))
    else:
        parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument("--quick", action="store_true", help="a tenth of every length")
        parser.add_argument("--report", action="store_true",
                            help="rewrite RESULTS.md from the last run's figures")
        options = parser.parse_args()
        if options.report:
            report(json.loads(LAST_RUN.read_text()))
        else:
            main(options.rounds, options.quick)
