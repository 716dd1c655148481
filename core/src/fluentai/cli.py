"""The ``fluentai`` command: providers, models, check, chat, embed, rerank, record,
new-plugin.

Errors print one line a user can act on (e.g. which environment variable to set) and exit
with a status that says what kind of failure it was (``EXIT_CODES``, stable: scripts rely
on them; the README and ``fluentai --help`` list them).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

import msgspec

# Exit statuses by kind of failure. Never renumber: scripts branch on them.
EXIT_CODES = {
    "usage": 2, "configuration": 3, "authentication": 4, "not found": 5,
    "rate limit or quota": 6, "network or timeout": 7, "provider error": 8,
}
EPILOG = """exit status:
  0  success (check: verified, or configured where nothing can verify it)
  1  any other failure
  2  usage: unknown command or option, missing argument
  3  configuration: a key, setting, plugin or optional dependency is missing or wrong
  4  authentication: the provider refused the credentials (HTTP 401, 403)
  5  not found: no such model or resource (HTTP 404)
  6  rate limit or quota (HTTP 429, 402)
  7  network or timeout: the provider could not be reached or did not answer in time
  8  provider error: any other error the provider answered with (HTTP 400, 5xx, bad bytes)
"""


def exit_code(error: BaseException | type[BaseException]) -> int:
    """The documented exit status for a fluentai error (or error class)."""
    from . import errors as e

    if isinstance(error, e.APIStatusError) and error.status_code == 402:  # payment required
        return EXIT_CODES["rate limit or quota"]
    cls = error if isinstance(error, type) else type(error)
    kinds: list[tuple[type[BaseException], str]] = [
        (e.ConfigurationError, "configuration"), (e.ProviderNotFoundError, "configuration"),
        (e.PluginError, "configuration"), (e.UnsupportedError, "configuration"),
        (e.AuthenticationError, "authentication"), (e.PermissionDeniedError, "authentication"),
        (e.NotFoundError, "not found"), (e.RateLimitError, "rate limit or quota"),
        (e.MalformedStreamError, "provider error"), (e.APIConnectionError, "network or timeout"),
        (e.StreamInterruptedError, "network or timeout"), (e.APIStatusError, "provider error"),
        (e.CircuitOpenError, "provider error"),
    ]
    return next((EXIT_CODES[kind] for base, kind in kinds if issubclass(cls, base)), 1)


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
    recorder = getattr(args, "recorder", None)
    return Client(transport=getattr(args, "transport", None), timeout=timeout,
                  retry=getattr(args, "retries", None),
                  plugins=[recorder] if recorder is not None else ())


def _print_json(value: Any) -> None:
    sys.stdout.write(msgspec.json.format(msgspec.json.encode(value), indent=2).decode() + "\n")


def _table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def cmd_providers(args: argparse.Namespace) -> int:
    from .errors import FluentAIError

    client = _client(args)
    registry = client._core.registry
    registry.load()
    found = []
    for name in sorted(registry.providers):
        try:
            provider = client.provider(name)
        except FluentAIError as exc:  # e.g. claimed by two distributions: say so, go on
            print(f"warning: {exc}", file=sys.stderr)
            continue
        owner = registry.owners[name]
        found.append({"name": name, "label": provider.label or name,
                      "distribution": owner.distribution, "version": owner.version,
                      "problem": client._core.missing(provider)})
    if args.json:
        _print_json([{**p, "configured": p["problem"] is None} for p in found])
    elif found:
        _table([[p["name"], p["label"], p["distribution"] or "-", p["version"] or "-",
                 "yes" if p["problem"] is None else f"no: {p['problem']}"] for p in found],
               ["PROVIDER", "NAME", "DISTRIBUTION", "VERSION", "CONFIGURED"])
    else:
        print("No provider plugins installed: pip install fluentai-openai (or another).")
    owners = {id(info) for claims in registry.claims.values() for _, info in claims}
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
    from . import errors

    result = _client(args).check(args.provider)
    if args.json:
        _print_json(result)
    elif result.ok:
        listed = f", the model listing answered with {result.models} models" \
            if result.models is not None else ""
        print(f"{result.provider}: ok (verified in {result.latency_ms} ms{listed})")
    else:
        print(f"{result.provider}: {result.problem}")
    if result.ok or (result.configured and result.error is None):
        return 0  # verified, or configured with nothing that could verify it
    error = getattr(errors, result.error or "", None)
    return exit_code(error) if isinstance(error, type) else 1


def _read_texts(values: Sequence[str]) -> list[str]:
    if list(values) == ["-"]:
        return [line for line in sys.stdin.read().splitlines() if line.strip()]
    return list(values)


def _usage_line(response: Any) -> str:
    cost = f", ${response.cost:.6f}" if response.cost is not None else ""
    return f"[{response.usage.input_tokens} in, {response.usage.output_tokens} out{cost}]"


def _tool_line(name: str, arguments: Any) -> str:
    return f"[tool call] {name}({json.dumps(arguments)})"


def cmd_chat(args: argparse.Namespace) -> int:
    from .events import ReasoningDelta, TextDelta, ToolCallEnd

    client = _client(args)
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    options = {"system": args.system, "temperature": args.temperature,
               "max_tokens": args.max_tokens}
    options = {k: v for k, v in options.items() if v is not None}
    out, err = sys.stdout, sys.stderr
    if args.json or args.no_stream:
        response = client.chat(args.model, prompt, **options)
        if args.reasoning and response.reasoning:
            err.write(response.reasoning + "\n")
        if args.json:
            _print_json(_response_json(response))
        else:
            if response.text:
                out.write(response.text + "\n")
            for call in response.tool_calls:
                out.write(_tool_line(call.name, call.arguments) + "\n")
    else:
        stream = client.stream(args.model, prompt, **options)
        reasoned = False
        for ev in stream:
            if type(ev) is TextDelta:
                out.write(ev.text)
                out.flush()
            elif type(ev) is ReasoningDelta and args.reasoning:
                err.write(ev.text)
                reasoned = True
            elif type(ev) is ToolCallEnd:
                out.write(f"\n{_tool_line(ev.name, ev.arguments)}\n")
        out.write("\n")
        if reasoned:
            err.write("\n")
        response = stream.response
    if args.usage and response is not None:
        err.write(_usage_line(response) + "\n")
    return 0


def _response_json(response: Any) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(response)
    data["text"] = response.text
    data["tool_calls"] = msgspec.to_builtins(response.tool_calls)
    data["reasoning"] = response.reasoning or None
    return data


def cmd_embed(args: argparse.Namespace) -> int:
    client = _client(args)
    options: dict[str, Any] = {}
    if args.dimensions:
        options["dimensions"] = args.dimensions
    if args.input_type:
        options["input_type"] = args.input_type
    result = client.embed(args.model, _read_texts(args.texts), **options)
    encode = msgspec.json.encode
    if args.json:
        sys.stdout.write(encode(result).decode() + "\n")
    else:  # one compact JSON array per input, in order: easy to pipe
        sys.stdout.write("".join(encode(v).decode() + "\n" for v in result.vectors))
    if args.usage:
        sys.stderr.write(_usage_line(result) + "\n")
    return 0


def cmd_rerank(args: argparse.Namespace) -> int:
    client = _client(args)
    result = client.rerank(args.model, args.query, _read_texts(args.documents), top_n=args.top_n)
    _print_json(result)
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    from .testing.recorder import Recorder

    if not args.command:
        raise _Usage("record: name the command to record, e.g. "
                     "fluentai record -o cassette.yaml chat MODEL PROMPT")
    inner = parser().parse_args(args.command)
    if inner.func is cmd_record:
        raise _Usage("record: a recording cannot record another one")
    for name in ("log", "transport", "timeout", "retries"):  # options given before `record`
        if getattr(inner, name, None) is None:
            setattr(inner, name, getattr(args, name, None))
    inner.recorder = Recorder()
    try:
        return int(inner.func(inner))
    finally:
        if inner.recorder.interactions:
            path = inner.recorder.save(args.output)
            print(f"recorded {len(inner.recorder.interactions)} exchange(s) to {path}, "
                  f"credentials redacted", file=sys.stderr)


def cmd_new_plugin(args: argparse.Namespace) -> int:
    from .scaffold import scaffold

    path = scaffold(args.name, args.directory, wire=args.wire)
    print(f"created {path}\n"
          f"  pip install -e '{path}' 'fluentai-core[testing]' pytest-asyncio\n"
          f"  pytest '{path}/tests'")
    return 0


class _Usage(Exception):
    """A command line that cannot run (exit status 2, like argparse's own)."""


def parser() -> argparse.ArgumentParser:
    from . import __version__

    p = argparse.ArgumentParser(prog="fluentai", description="One API over every LLM provider.",
                                epilog=EPILOG, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--version", action="version", version=f"fluentai-core {__version__}",
                   help="print the version of fluentai-core and exit")
    p.add_argument("--log", choices=["console", "json"],
                   help="structured logs of every request on stderr")
    p.add_argument("--transport", help="http1 (default), http2, or a plugin's (http3)")
    p.add_argument("--timeout", type=float, help="seconds the whole call may take")
    p.add_argument("--retries", type=int,
                   help="retries of a failed request before giving up (default 2)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("providers", help="installed provider plugins and their configuration")
    s.add_argument("--json", action="store_true",
                   help="print a JSON list (configured: true/false, problem: what to set)")
    s.set_defaults(func=cmd_providers)

    s = sub.add_parser("models", help="the model catalog, merged with live listings")
    s.add_argument("provider", nargs="?", help="only this provider's models")
    s.add_argument("--no-live", dest="live", action="store_false",
                   help="catalog only, no request to the provider")
    s.add_argument("--json", action="store_true", help="print the models as JSON")
    s.set_defaults(func=cmd_models)

    s = sub.add_parser("check", help="verify a provider's credentials with one cheap request")
    s.add_argument("provider", help="the provider to check, e.g. openai")
    s.add_argument("--json", action="store_true", help="print the result as JSON")
    s.set_defaults(func=cmd_check)

    s = sub.add_parser("chat", help="ask a model; streams to the terminal")
    s.add_argument("model", help="provider/model, e.g. openai/gpt-4o-mini")
    s.add_argument("prompt", help="the prompt, or - to read it from stdin")
    s.add_argument("--system", help="a system prompt")
    s.add_argument("--temperature", type=float, help="sampling temperature")
    s.add_argument("--max-tokens", type=int, help="the most tokens the answer may have")
    s.add_argument("--json", action="store_true", help="print the final response as JSON")
    s.add_argument("--no-stream", action="store_true",
                   help="wait for the whole answer instead of streaming it")
    s.add_argument("--reasoning", action="store_true", help="show reasoning on stderr")
    s.add_argument("--usage", action="store_true", help="print tokens and cost on stderr")
    s.add_argument("--trace", action="store_true",
                   help="export spans over OTLP (needs fluentai-core[otel])")
    s.set_defaults(func=cmd_chat)

    s = sub.add_parser("embed", help="embed texts; one JSON vector per line")
    s.add_argument("model", help="provider/model, e.g. openai/text-embedding-3-small")
    s.add_argument("texts", nargs="+", help="texts, or - to read one per line from stdin")
    s.add_argument("--dimensions", type=int, help="shorten vectors to this many dimensions")
    s.add_argument("--input-type", choices=["query", "document"],
                   help="what the texts are, for models that embed them differently")
    s.add_argument("--json", action="store_true",
                   help="print the whole response (vectors, usage, cost) as one JSON object")
    s.add_argument("--usage", action="store_true", help="print tokens and cost on stderr")
    s.add_argument("--trace", action="store_true",
                   help="export spans over OTLP (needs fluentai-core[otel])")
    s.set_defaults(func=cmd_embed)

    s = sub.add_parser("rerank", help="rank documents against a query; prints JSON")
    s.add_argument("model", help="provider/model, e.g. cohere/rerank-v3.5")
    s.add_argument("query", help="what the documents are ranked against")
    s.add_argument("documents", nargs="+", help="documents, or - for one per line on stdin")
    s.add_argument("--top-n", type=int, help="return only the best N")
    s.add_argument("--trace", action="store_true",
                   help="export spans over OTLP (needs fluentai-core[otel])")
    s.set_defaults(func=cmd_rerank)

    s = sub.add_parser("record", help="run a command and record its traffic to a cassette",
                       description="Run another fluentai command and write every HTTP "
                                   "exchange it makes to a VCR cassette (credentials "
                                   "redacted) that fluentai.testing.load_cassette reads.")
    s.add_argument("-o", "--output", required=True, help="the cassette file to write (YAML)")
    s.add_argument("command", nargs=argparse.REMAINDER,
                   help="the command to record, e.g. chat openai/gpt-4o-mini 'Say hi'")
    s.set_defaults(func=cmd_record)

    s = sub.add_parser("new-plugin", help="scaffold a third-party provider plugin")
    s.add_argument("name", help="the provider name (lowercase letters, digits and -)")
    s.add_argument("--directory", default=".", help="where to create fluentai-NAME")
    s.add_argument("--wire", choices=["openai", "native"], default="openai",
                   help="openai: an OpenAI-compatible API (default); native: the provider's "
                        "own wire format, built on the Provider base and JSONStream")
    s.set_defaults(func=cmd_new_plugin)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    from .errors import FluentAIError

    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except _Usage as exc:
        print(f"fluentai: error: {exc}", file=sys.stderr)
        return EXIT_CODES["usage"]
    except FluentAIError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exit_code(exc)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
