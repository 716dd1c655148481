"""The ``fluentai`` command: providers, models, check, chat, embed, rerank, new-plugin.

Errors print one line a user can act on (e.g. which environment variable to set) and exit
with status 1; usage errors exit with 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import msgspec


def _client(args: argparse.Namespace) -> Any:
    from .client import Client

    if getattr(args, "log", None):
        from . import log

        log.configure(json=args.log == "json")
    if getattr(args, "trace", False):
        import atexit

        from . import telemetry

        atexit.register(telemetry.setup_tracing())  # flush spans before exiting
    from .timeouts import Timeout

    timeout = Timeout(total=args.timeout) if getattr(args, "timeout", None) else None
    return Client(transport=getattr(args, "transport", None), timeout=timeout)


def _print_json(value: Any) -> None:
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(value), indent=2).decode() + "\n")


def _table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def cmd_providers(args: argparse.Namespace) -> int:
    client = _client(args)
    registry = client._core.registry
    registry.load()
    rows = []
    for name in sorted(registry.providers):
        provider = client.provider(name)
        owner = registry.owners[name]
        missing = provider.missing_configuration()
        rows.append([name, provider.label or name, owner.distribution or "-",
                     owner.version or "-", "yes" if missing is None else f"no: {missing}"])
    if args.json:
        _print_json([dict(zip(["name", "label", "distribution", "version", "configured"], r,
                              strict=True)) for r in rows])
    elif rows:
        _table(rows, ["PROVIDER", "NAME", "DISTRIBUTION", "VERSION", "CONFIGURED"])
    else:
        print("No provider plugins installed: pip install fluentai-openai (or another).")
    owners = {id(info) for info in registry.owners.values()}
    others = [p for p in registry.plugins if p.error is None and id(p) not in owners
              and p.distribution]
    if others and not args.json:  # plugins that add a seam (a transport, auth) not a provider
        print("\nother plugins: " + ", ".join(f"{p.distribution} {p.version} ({p.name})"
                                             for p in others))
    for broken in registry.broken:
        print(f"warning: {broken.error}", file=sys.stderr)
    return 0


def _price(info: Any) -> str:
    p = info.price
    if p is None or p.input is None:
        return "-"
    return f"${p.input:g} / ${p.output:g}"


def cmd_models(args: argparse.Namespace) -> int:
    client = _client(args)
    models = client.models(args.provider, live=args.live)
    if args.json:
        _print_json(models)
        return 0
    rows = [[f"{m.provider}/{m.id}", ",".join(m.capabilities) or "-",
             f"{m.context_window:,}" if m.context_window else "-", _price(m),
             "live" if m.live else ""] for m in models]
    _table(rows, ["MODEL", "CAPABILITIES", "CONTEXT", "PRICE IN/OUT PER 1M", ""])
    print(f"\n{len(rows)} models")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    result = _client(args).check(args.provider)
    if args.json:
        _print_json(result)
    elif result.ok:
        extra = f", {result.models} models listed in {result.latency_ms} ms" \
            if result.models is not None else ""
        print(f"{result.provider}: ok{extra}" + (f" ({result.problem})" if result.problem else ""))
    else:
        print(f"{result.provider}: {result.problem}")
    return 0 if result.ok else 1


def _read_texts(values: Sequence[str]) -> list[str]:
    if list(values) == ["-"]:
        return [line for line in sys.stdin.read().splitlines() if line.strip()]
    return list(values)


def cmd_chat(args: argparse.Namespace) -> int:
    from .events import ReasoningDelta, TextDelta, ToolCallEnd

    client = _client(args)
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    options = {"system": args.system, "temperature": args.temperature,
               "max_tokens": args.max_tokens}
    options = {k: v for k, v in options.items() if v is not None}
    if args.json or args.no_stream:
        response = client.chat(args.model, prompt, **options)
        if args.json:
            _print_json(_response_json(response))
        else:
            print(response.text)
        return 0
    stream = client.stream(args.model, prompt, **options)
    out = sys.stdout
    for ev in stream:
        if type(ev) is TextDelta:
            out.write(ev.text)
            out.flush()
        elif type(ev) is ReasoningDelta and args.reasoning:
            sys.stderr.write(ev.text)
        elif type(ev) is ToolCallEnd:
            out.write(f"\n[tool call] {ev.name}({json.dumps(ev.arguments)})\n")
    out.write("\n")
    r = stream.response
    if r is not None and args.usage:
        cost = f", ${r.cost:.6f}" if r.cost is not None else ""
        print(f"[{r.usage.input_tokens} in, {r.usage.output_tokens} out{cost}]", file=sys.stderr)
    return 0


def _response_json(response: Any) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(response)
    data["text"] = response.text
    data["tool_calls"] = msgspec.to_builtins(response.tool_calls)
    if response.reasoning:
        data["reasoning"] = response.reasoning
    return data


def cmd_embed(args: argparse.Namespace) -> int:
    client = _client(args)
    options: dict[str, Any] = {}
    if args.dimensions:
        options["dimensions"] = args.dimensions
    if args.input_type:
        options["input_type"] = args.input_type
    result = client.embed(args.model, _read_texts(args.texts), **options)
    _print_json(result)
    return 0


def cmd_rerank(args: argparse.Namespace) -> int:
    client = _client(args)
    result = client.rerank(args.model, args.query, _read_texts(args.documents), top_n=args.top_n)
    _print_json(result)
    return 0


def cmd_new_plugin(args: argparse.Namespace) -> int:
    from .scaffold import scaffold

    path = scaffold(args.name, args.directory)
    print(f"created {path}: pip install -e {path} && pytest {path}/tests")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fluentai", description="One API over every LLM provider.")
    p.add_argument("--log", choices=["console", "json"],
                   help="structured logs of every request on stderr")
    p.add_argument("--transport", help="http1 (default), http2, or a plugin's (http3)")
    p.add_argument("--timeout", type=float, help="seconds the whole call may take")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("providers", help="installed provider plugins and their configuration")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_providers)

    s = sub.add_parser("models", help="the model catalog, merged with live listings")
    s.add_argument("provider", nargs="?")
    s.add_argument("--no-live", dest="live", action="store_false",
                   help="catalog only, no request to the provider")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_models)

    s = sub.add_parser("check", help="verify a provider's key and reachability")
    s.add_argument("provider")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("chat", help="ask a model; streams to the terminal")
    s.add_argument("model", help="provider/model, e.g. openai/gpt-4o-mini")
    s.add_argument("prompt", help="the prompt, or - to read it from stdin")
    s.add_argument("--system")
    s.add_argument("--temperature", type=float)
    s.add_argument("--max-tokens", type=int)
    s.add_argument("--json", action="store_true", help="print the final response as JSON")
    s.add_argument("--no-stream", action="store_true")
    s.add_argument("--reasoning", action="store_true", help="show reasoning on stderr")
    s.add_argument("--usage", action="store_true", help="print tokens and cost on stderr")
    s.add_argument("--trace", action="store_true", help="export spans over OTLP (Jaeger)")
    s.set_defaults(func=cmd_chat)

    s = sub.add_parser("embed", help="embed texts; prints JSON")
    s.add_argument("model")
    s.add_argument("texts", nargs="+", help="texts, or - to read one per line from stdin")
    s.add_argument("--dimensions", type=int)
    s.add_argument("--input-type", choices=["query", "document"])
    s.add_argument("--trace", action="store_true")
    s.set_defaults(func=cmd_embed)

    s = sub.add_parser("rerank", help="rank documents against a query; prints JSON")
    s.add_argument("model")
    s.add_argument("query")
    s.add_argument("documents", nargs="+", help="documents, or - for one per line on stdin")
    s.add_argument("--top-n", type=int)
    s.add_argument("--trace", action="store_true")
    s.set_defaults(func=cmd_rerank)

    s = sub.add_parser("new-plugin", help="scaffold a third-party provider plugin")
    s.add_argument("name")
    s.add_argument("--directory", default=".")
    s.set_defaults(func=cmd_new_plugin)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from .errors import FluentAIError

    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except FluentAIError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
