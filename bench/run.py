"""Benchmarks: fluentai against the floor (raw httpx + json), the openai SDK and litellm.

Every figure is measured in this one run, each client in its own process against the same
local server (bench/server.py, in a separate process), as the median of repeated runs after
a warm-up. Client CPU is process time, so the server's work never counts. Writes
bench/RESULTS.md with the figures and the ratios.

    nox -s bench            # or: python bench/run.py [--quick]
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MESSAGES = [{"role": "user", "content": "Hello"}]
REPEATS = 5

# --- the clients, each consuming one stream / one request ------------------------------


def make_stream_consumer(client: str, url: str, transport: str = "http1",
                         ca: str | None = None) -> Callable[[str], Awaitable[int]]:
    """An async function that consumes one streamed response and returns the chunk count."""
    if client == "raw":
        import httpx

        http = httpx.AsyncClient(base_url=url, timeout=600, http2=transport == "http2",
                                 verify=_verify(ca))

        async def raw(model: str) -> int:
            n = 0
            body = {"model": model, "messages": MESSAGES, "stream": True}
            async with http.stream("POST", "/chat/completions", json=body,
                                   headers={"authorization": "Bearer x"}) as r:
                async for line in r.aiter_lines():
                    if line.startswith("data: ") and line != "data: [DONE]":
                        chunk = json.loads(line[6:])
                        for choice in chunk["choices"]:
                            delta = choice["delta"]
                            if delta.get("content") or delta.get("tool_calls"):
                                n += 1
            return n

        return raw
    if client == "fluentai":
        import fluentai

        fa = fluentai.AsyncClient(providers={"openai": {"api_key": "x", "base_url": url}},
                                  transport=fluentai.TransportOptions(name=transport,
                                                                      verify=ca or True))

        async def fluent(model: str) -> int:
            n = 0
            async for ev in fa.stream(f"openai/{model}", "Hello"):
                if type(ev).__name__ in ("TextDelta", "ToolCallDelta"):
                    n += 1
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


def make_requester(client: str, url: str) -> Callable[[], object]:
    """A function that makes one small non-streamed request."""
    if client == "raw":
        import httpx

        http = httpx.Client(base_url=url)
        body = {"model": "small", "messages": MESSAGES}
        return lambda: json.loads(http.post("/chat/completions", json=body,
                                            headers={"authorization": "Bearer x"}).content)
    if client == "fluentai":
        import fluentai

        fa = fluentai.Client(providers={"openai": {"api_key": "x", "base_url": url}})
        return lambda: fa.chat("openai/small", "Hello")
    if client == "openai":
        import openai

        oa = openai.OpenAI(api_key="x", base_url=url, max_retries=0)
        return lambda: oa.chat.completions.create(model="small",
                                                  messages=MESSAGES)  # type: ignore[arg-type]
    import litellm

    return lambda: litellm.completion(model="openai/small", api_base=url, api_key="x",
                                      messages=MESSAGES)


def _verify(ca: str | None) -> Any:
    import ssl

    return ssl.create_default_context(cafile=ca) if ca else True


# --- one worker process: one client, one scenario ---------------------------------------


def _maxrss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(client: str, scenario: str, url: str, tracing: str) -> dict[str, Any]:
    if tracing == "off":
        import os

        os.environ["FLUENTAI_TELEMETRY"] = "off"
    if tracing == "sdk":
        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter

        class NoOpExporter(SpanExporter):
            def export(self, spans: Any) -> Any:
                from opentelemetry.sdk.trace.export import SpanExportResult

                return SpanExportResult.SUCCESS

        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(NoOpExporter()))
        trace.set_tracer_provider(provider)
    if scenario == "request":
        call = make_requester(client, url)
        for _ in range(50):
            call()
        samples = []
        for _ in range(REPEATS):
            start = time.process_time()
            for _ in range(200):
                call()
            samples.append((time.process_time() - start) / 200 * 1e6)
        return {"us": statistics.median(samples), "samples": samples}
    transport, ca = "http1", None
    if scenario.startswith("tls-"):  # tls-<transport>-<kind>-<n>: the transport comparison
        _, transport, scenario = scenario.split("-", 2)
        ca = str(HERE / ".tls" / "ca.pem")
    consume = make_stream_consumer(client, url, transport, ca)
    if scenario.startswith("concurrent"):
        _, streams, chunks = scenario.split("-")

        async def many() -> float:
            await consume(f"text-{chunks}")
            start = time.perf_counter()
            counts = await asyncio.gather(*(consume(f"text-{chunks}")
                                            for _ in range(int(streams))))
            assert all(c == int(chunks) for c in counts), "a stream lost chunks"
            return time.perf_counter() - start

        base = _maxrss_mb()
        wall = asyncio.run(many())
        return {"wall_s": wall, "peak_mb": _maxrss_mb(), "baseline_mb": base}

    async def run() -> list[float]:
        n = await consume(scenario)  # warm-up
        samples = []
        for _ in range(REPEATS):
            start = time.process_time()
            got = await consume(scenario)
            samples.append((time.process_time() - start) / got * 1e6)
            assert got == n
        return samples

    samples = asyncio.run(run())
    return {"us": statistics.median(samples), "samples": samples}


def import_cost(module: str) -> dict[str, Any]:
    resolve = "fluentai.Client().provider('openai'); " if module == "fluentai" else ""
    code = (f"import time, sys, resource; t = time.perf_counter(); import {module}; {resolve}"
            "w = time.perf_counter() - t; print(w * 1000, len(sys.modules), "
            "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    runs = []
    for _ in range(REPEATS + 1):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout.split()
        runs.append([float(x) for x in out])
    runs = runs[1:]
    return {"ms": statistics.median(r[0] for r in runs),
            "modules": int(statistics.median(r[1] for r in runs)),
            "rss_mb": statistics.median(r[2] for r in runs)}


# --- the driver -------------------------------------------------------------------------


def run_worker(client: str, scenario: str, url: str, tracing: str = "none"
               ) -> dict[str, Any] | None:
    proc = subprocess.run([sys.executable, __file__, "worker", client, scenario, url, tracing],
                          capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        print(f"  {client} {scenario}: failed\n{proc.stderr[-1500:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def available(client: str) -> bool:
    return client in ("raw", "fluentai") or importlib.util.find_spec(client) is not None


def version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as v

    try:
        return v(dist)
    except PackageNotFoundError:
        return "not installed"


def main(quick: bool) -> None:
    server = subprocess.Popen([sys.executable, str(HERE / "server.py")], stdout=subprocess.PIPE,
                              text=True)
    assert server.stdout is not None
    url = f"http://127.0.0.1:{server.stdout.readline().strip()}"
    clients = [c for c in ("raw", "fluentai", "openai", "litellm") if available(c)]
    scale = 10 if quick else 1
    scenarios = {
        "stream_text": f"text-{20000 // scale}",
        "stream_tool": f"tool-{2000 // scale}",
        "stream_bulk": f"bulk-text-{20000 // scale}",
        "request": "request",
        "concurrent_200": f"concurrent-200-{500 // scale}",
        "concurrent_500": f"concurrent-500-{500 // scale}",
    }
    results: dict[str, dict[str, Any]] = {}
    tls_server = subprocess.Popen([sys.executable, str(HERE / "server.py"), "--tls",
                                   str(HERE / ".tls")], stdout=subprocess.PIPE, text=True)
    assert tls_server.stdout is not None
    tls_url = f"https://127.0.0.1:{tls_server.stdout.readline().strip()}"
    try:
        for label, scenario in scenarios.items():
            for client in clients:
                print(f"{label:15} {client}", file=sys.stderr, flush=True)
                results.setdefault(label, {})[client] = run_worker(client, scenario, url)
        tracing = {}
        for mode in ("off", "none", "sdk"):
            tracing[mode] = {
                "stream": run_worker("fluentai", scenarios["stream_text"], url, mode),
                "request": run_worker("fluentai", "request", url, mode)}
        imports = {m: import_cost(m) for m in ("httpx", "fluentai", "openai", "litellm")
                   if m == "fluentai" or importlib.util.find_spec(m)}
        transports = {}
        for name in ("http1", "http2", "http3"):
            for client in ("raw", "fluentai"):
                if client == "raw" and name == "http3":
                    continue  # httpx has no HTTP/3
                print(f"transport {name:5} {client}", file=sys.stderr, flush=True)
                transports[(name, client)] = run_worker(
                    client, f"tls-{name}-text-{5000 // scale}", tls_url)
    finally:
        server.terminate()
        tls_server.terminate()
    write_results(results, tracing, imports, clients, scenarios, transports)


def _fmt(x: float | None, unit: str = "") -> str:
    return "-" if x is None else f"{x:,.1f}{unit}"


def write_results(results: dict[str, dict[str, Any]], tracing: dict[str, Any],
                  imports: dict[str, Any], clients: list[str], scenarios: dict[str, str],
                  transports: dict[tuple[str, str], Any]) -> None:
    lines = ["# Benchmark results", "",
             f"Machine: {platform.machine()}, {_cpus()} cores, Python "
             f"{platform.python_version()}, {platform.system()}. Versions: httpx "
             f"{version('httpx')}, openai {version('openai')}, litellm {version('litellm')}, "
             f"fluentai-core {version('fluentai-core')}. Generated by `nox -s bench` "
             f"({time.strftime('%Y-%m-%d')}). All figures from this one run; client CPU "
             f"only (process time), median of {REPEATS} after a warm-up.", "",
             "## Client CPU per streamed chunk (µs) and per request (µs)", "",
             "| scenario | " + " | ".join(clients) + " | fluentai ÷ floor | "
             + " | ".join(f"{c} ÷ fluentai" for c in clients if c in ("openai", "litellm"))
             + " |",
             "|---" * (len(clients) + 2 + sum(c in ("openai", "litellm") for c in clients))
             + "|"]
    for label in ("stream_text", "stream_tool", "stream_bulk", "request"):
        row = results[label]
        us = {c: (row.get(c) or {}).get("us") for c in clients}
        floor, ours = us.get("raw"), us.get("fluentai")
        ratio = f"**{ours / floor:.2f}×**" if floor and ours else "-"
        peers = [f"{us[c] / ours:.1f}×" if us.get(c) and ours else "-"
                 for c in clients if c in ("openai", "litellm")]
        lines.append(f"| {label} (`{scenarios[label]}`) | "
                     + " | ".join(_fmt(us[c]) for c in clients) + f" | {ratio} | "
                     + " | ".join(peers) + " |")
    lines += ["", "## Concurrent streams (wall seconds, peak RSS MB)", "",
              "| scenario | " + " | ".join(clients) + " | fluentai ÷ floor (wall) |",
              "|---" * (len(clients) + 2) + "|"]
    for label in ("concurrent_200", "concurrent_500"):
        row = results[label]
        cells = [f"{r['wall_s']:.2f} s, {r['peak_mb']:.0f} MB" if (r := row.get(c)) else "-"
                 for c in clients]
        raw, ours = row.get("raw"), row.get("fluentai")
        ratio = f"**{ours['wall_s'] / raw['wall_s']:.2f}×**" if raw and ours else "-"
        lines.append(f"| {label} (`{scenarios[label]}`) | " + " | ".join(cells)
                     + f" | {ratio} |")
    lines += ["", "## Import cost (`python -c \"import X\"`, in-process wall time)", "",
              "| module | ms | modules | RSS MB | ÷ fluentai (ms) |", "|---|---|---|---|---|"]
    ours_ms = imports["fluentai"]["ms"]
    for module, r in imports.items():
        note = " (+ one plugin resolved)" if module == "fluentai" else ""
        lines.append(f"| {module}{note} | {r['ms']:.0f} | {r['modules']} | "
                     f"{r['rss_mb']:.0f} | {r['ms'] / ours_ms:.1f}× |")
    h1 = (transports.get(("http1", "fluentai")) or {}).get("us")
    lines += ["", "## Transports (client CPU per streamed chunk, µs; TLS, hypercorn server, "
              "`text-5000`)", "",
              "| transport | raw httpx | fluentai | fluentai ÷ raw | fluentai ÷ fluentai on "
              "HTTP/1.1 |", "|---|---|---|---|---|"]
    for name in ("http1", "http2", "http3"):
        raw = (transports.get((name, "raw")) or {}).get("us")
        ours = (transports.get((name, "fluentai")) or {}).get("us")
        lines.append(f"| {name} | {_fmt(raw)} | {_fmt(ours)} | "
                     f"{f'{ours / raw:.2f}×' if raw and ours else '-'} | "
                     f"{f'{ours / h1:.2f}×' if h1 and ours else '-'} |")
    absent, none, sdk = tracing["off"], tracing["none"], tracing["sdk"]
    lines += ["", "## Tracing overhead (fluentai, µs)", "",
              "| | telemetry absent (`FLUENTAI_TELEMETRY=off`) | no tracer provider | "
              "SDK provider, no-op exporter | no provider ÷ absent | SDK ÷ absent |",
              "|---|---|---|---|---|---|"]
    for key in ("stream", "request"):
        a, b, c = ((x[key] or {}).get("us") for x in (absent, none, sdk))
        ratios = [f"{y / a:.3f}×" if a and y else "-" for y in (b, c)]
        lines.append(f"| per {'chunk' if key == 'stream' else 'request'} | {_fmt(a)} | "
                     f"{_fmt(b)} | {_fmt(c)} | " + " | ".join(ratios) + " |")
    notes = HERE / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text().strip()]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        print(json.dumps(worker(*sys.argv[2:6])))
    else:
        main(quick="--quick" in sys.argv)
