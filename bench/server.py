"""A raw-asyncio OpenAI-compatible server for benchmarks, run in its own process so its CPU
never counts against the client. One chunked-transfer frame per SSE event, as providers
send; or, for ``bulk-*`` models, the whole body in 64 KiB writes.

The model name picks the scenario: ``text-N`` (N text deltas), ``tool-N`` (a tool call
whose arguments arrive in N deltas), ``bulk-text-N``, ``paced-text-N`` (ten frames every
10 ms, as a model generates: concurrent streams really overlap); non-streamed requests get a small
chat completion whatever their size. ``GET /stats`` answers how many streamed responses
were being written at once at most since the last ask (are all streams really open?).

``server.py --tls DIR`` serves the same streams over TLS with hypercorn instead: HTTP/1.1
and HTTP/2 on TCP and HTTP/3 on UDP at the same port, with a CA written to DIR/ca.pem (the
transport comparison).
"""

from __future__ import annotations

import asyncio
import json
import sys

HEAD = (b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
        b"transfer-encoding: chunked\r\n\r\n")


def _chunk(delta: dict[str, object], finish: str | None = None) -> bytes:
    return ("data: " + json.dumps({
        "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1,
        "model": "bench-model", "system_fingerprint": "fp_bench",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }, separators=(",", ":")) + "\n\n").encode()


def events(model: str) -> list[bytes]:
    kind, _, count = model.rpartition("-")
    n = int(count)
    out = [_chunk({"role": "assistant", "content": ""})]
    if kind.endswith("tool"):
        out.append(_chunk({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                           "function": {"name": "lookup", "arguments": ""}}]}))
        out.append(_chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"q":"'}}]}))
        out += [_chunk({"tool_calls": [{"index": 0, "function": {"arguments": "ab"}}]})
                for _ in range(n)]
        out.append(_chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"}'}}]}))
        out.append(_chunk({}, "tool_calls"))
    else:
        out += [_chunk({"content": f"tok{i % 10} "}) for i in range(n)]
        out.append(_chunk({}, "stop"))
    out.append(("data: " + json.dumps({
        "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1,
        "model": "bench-model", "choices": [],
        "usage": {"prompt_tokens": 10, "completion_tokens": n, "total_tokens": 10 + n}})
        + "\n\n").encode())
    out.append(b"data: [DONE]\n\n")
    return out


COMPLETION = json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 1, "model": "bench-model",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there!"},
                 "logprobs": None, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 8, "completion_tokens": 3, "total_tokens": 11}}).encode()

_cache: dict[str, list[bytes]] = {}
_streams = {"open": 0, "peak": 0}  # streamed responses being written now, and the most


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if head.startswith(b"GET /stats"):  # how many streams were open at once
                stats = json.dumps(_streams).encode()
                _streams["peak"] = _streams["open"]
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                             b"content-length: %d\r\n\r\n%s" % (len(stats), stats))
                await writer.drain()
                continue
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = json.loads(await reader.readexactly(length)) if length else {}
            if not body.get("stream"):
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                             b"content-length: " + str(len(COMPLETION)).encode() + b"\r\n\r\n"
                             + COMPLETION)
                await writer.drain()
                continue
            model = body["model"]
            frames = _cache.get(model) or _cache.setdefault(model, events(model))
            _streams["open"] += 1
            _streams["peak"] = max(_streams["peak"], _streams["open"])
            try:
                writer.write(HEAD)
                if model.startswith("bulk-"):
                    data = b"".join(frames)
                    for i in range(0, len(data), 65536):
                        piece = data[i:i + 65536]
                        writer.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        await writer.drain()
                else:
                    paced = model.startswith("paced-")
                    for i, frame in enumerate(frames):
                        writer.write(b"%x\r\n%s\r\n" % (len(frame), frame))
                        await writer.drain()
                        if paced and i % 10 == 9:  # tokens arrive over time, ten at a time
                            await asyncio.sleep(0.01)
                writer.write(b"0\r\n\r\n")
                await writer.drain()
            finally:
                _streams["open"] -= 1
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(port: int) -> None:
    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=2048)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def serve_tls(directory: str) -> None:
    import time
    from pathlib import Path
    from typing import Any

    from fluentai.testing import ReplayServer, make_tls

    class Streams(ReplayServer):
        async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                return await super().__call__(scope, receive, send)
            body, more = b"", True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
            request = json.loads(body)
            if not request.get("stream"):
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-type", b"application/json")]})
                await send({"type": "http.response.body", "body": COMPLETION})
                return
            model = request["model"]
            frames = _cache.get(model) or _cache.setdefault(model, events(model))
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"text/event-stream")]})
            for frame in frames:
                await send({"type": "http.response.body", "body": frame, "more_body": True})
            await send({"type": "http.response.body", "body": b""})

    Path(directory).mkdir(exist_ok=True)
    server = Streams(tls=make_tls(Path(directory)), http3=True).start()
    print(server.port, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--tls":
        serve_tls(sys.argv[2])
    else:
        asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
