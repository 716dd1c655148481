"""Load recorded provider traffic in the formats public test suites publish:
VCR.py cassettes (``interactions:``), Ruby VCR (``http_interactions:``), vercel-ai
``*.chunks.txt`` / ``*.json`` bodies and Go ``httprr`` traces. Everything becomes a list
of ``Interaction`` with the exact response bytes as recorded."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml


class Interaction:
    """One recorded request and its response."""

    def __init__(self, *, method: str, url: str, request_headers: dict[str, str],
                 request_body: bytes | None, status: int, response_headers: dict[str, str],
                 response_body: bytes) -> None:
        self.method = method.upper()
        self.url = url
        parts = urlsplit(url)
        self.path = unquote(parts.path)  # as an ASGI server presents it
        self.query = parts.query
        self.request_headers = request_headers
        self.request_body = request_body
        self.status = status
        self.response_headers = response_headers
        self.response_body = response_body

    @property
    def request_json(self) -> Any:
        return json.loads(self.request_body) if self.request_body else None

    @property
    def response_json(self) -> Any:
        return json.loads(self.response_body)

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "")

    def __repr__(self) -> str:
        return f"<Interaction {self.method} {self.path} -> {self.status}>"


class _Loader(yaml.SafeLoader):
    pass


def _ruby_binary(loader: yaml.SafeLoader, node: yaml.Node) -> bytes:
    return base64.b64decode(loader.construct_scalar(node))  # type: ignore[arg-type]


_Loader.add_constructor("!binary", _ruby_binary)
_Loader.add_constructor("tag:yaml.org,2002:binary", _ruby_binary)


def _headers(raw: dict[str, Any] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in (raw or {}).items():
        out[k.lower()] = ", ".join(str(x) for x in v) if isinstance(v, list) else str(v)
    return out


def _body(raw: Any, parsed: Any = None) -> bytes | None:
    if parsed is not None:
        return json.dumps(parsed, ensure_ascii=False, separators=(",", ":")).encode()
    if raw is None:
        return None
    if isinstance(raw, dict):
        raw = raw.get("string", "")
    if isinstance(raw, bytes):
        return raw
    return str(raw).encode()


def _vcr(doc: dict[str, Any]) -> list[Interaction]:
    out = []
    for item in doc.get("interactions", []):
        req, resp = item["request"], item["response"]
        out.append(Interaction(
            method=req["method"], url=req["uri"], request_headers=_headers(req.get("headers")),
            request_body=_body(req.get("body"), req.get("parsed_body")),
            status=resp["status"]["code"], response_headers=_headers(resp.get("headers")),
            response_body=_body(resp.get("body"), resp.get("parsed_body")) or b""))
    return out


def _ruby(doc: dict[str, Any]) -> list[Interaction]:
    out = []
    for item in doc.get("http_interactions", []):
        req, resp = item["request"], item["response"]
        out.append(Interaction(
            method=req["method"], url=req["uri"], request_headers=_headers(req.get("headers")),
            request_body=_body(req.get("body")), status=resp["status"]["code"],
            response_headers=_headers(resp.get("headers")),
            response_body=_body(resp.get("body")) or b""))
    return out


def _dechunk(body: bytes) -> bytes:
    out, pos = bytearray(), 0
    while pos < len(body):
        end = body.index(b"\r\n", pos)
        size = int(body[pos:end].split(b";")[0], 16)
        if size == 0:
            break
        out += body[end + 2:end + 2 + size]
        pos = end + 2 + size + 2
    return bytes(out)


def _http_message(raw: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        for piece in line.split("\n"):  # httprr keeps some bare-LF header lines
            if ":" in piece:
                k, _, v = piece.partition(":")
                headers[k.strip().lower()] = v.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
        headers.pop("transfer-encoding")
    return lines[0], headers, body


def _httprr(data: bytes) -> list[Interaction]:
    out = []
    pos = data.index(b"\n") + 1
    while pos < len(data):
        nl = data.index(b"\n", pos)
        req_len, resp_len = (int(x) for x in data[pos:nl].split())
        pos = nl + 1
        req_raw, resp_raw = data[pos:pos + req_len], data[pos + req_len:pos + req_len + resp_len]
        pos += req_len + resp_len
        start, req_headers, req_body = _http_message(req_raw)
        method, url, _ = start.split(" ", 2)
        status_line, resp_headers, resp_body = _http_message(resp_raw)
        out.append(Interaction(method=method, url=url, request_headers=req_headers,
                               request_body=req_body or None,
                               status=int(status_line.split()[1]),
                               response_headers=resp_headers, response_body=resp_body))
    return out


def sse_body(lines: list[str] | list[bytes], *, event_from_type: bool = False,
             done: bool = False) -> bytes:
    """Re-frame recorded SSE payloads (one JSON per line) as the event stream they came in."""
    out = bytearray()
    for line in lines:
        data = line.encode() if isinstance(line, str) else line
        if not data.strip():
            continue
        if event_from_type:
            out += b"event: " + json.loads(data)["type"].encode() + b"\n"
        out += b"data: " + data + b"\n\n"
    if done:
        out += b"data: [DONE]\n\n"
    return bytes(out)


def load_cassette(path: str | Path, *, url: str = "http://recorded/",
                  event_from_type: bool = False, done: bool = False) -> list[Interaction]:
    """Load any recording format. ``.chunks.txt`` and ``.json`` files hold only a response
    body; ``url`` (and for chunks, ``event_from_type``/``done``) say how it was served."""
    path = Path(path)
    data = path.read_bytes()
    if path.name.endswith(".chunks.txt"):
        body = sse_body(data.decode().splitlines(), event_from_type=event_from_type, done=done)
        return [Interaction(method="POST", url=url, request_headers={}, request_body=None,
                            status=200, response_headers={"content-type": "text/event-stream"},
                            response_body=body)]
    if path.suffix == ".json":
        return [Interaction(method="POST", url=url, request_headers={}, request_body=None,
                            status=200, response_headers={"content-type": "application/json"},
                            response_body=data)]
    if path.suffix == ".httprr":
        return _httprr(data)
    doc = yaml.load(data, Loader=_Loader)
    return _ruby(doc) if "http_interactions" in doc else _vcr(doc)


def recordings(anchor: str | Path) -> Path:
    """A test suite's own ``recordings/`` folder: ``recordings(__file__)`` in a test module
    names the one beside it. Recordings live inside the repository that tests them."""
    path = Path(anchor)
    return (path.parent if path.suffix == ".py" else path) / "recordings"


def find_recording(name: str | Path, folder: Path) -> Path:
    """``folder / name``. Where that file is missing and ``FLUENTAI_FIXTURES`` names a larger
    local set of recordings, its copy there: an optional extra source for plugin authors,
    never needed by a suite whose recordings are its own."""
    import os

    path = Path(name)
    if path.is_absolute():
        return path
    local = folder / path
    extra = os.environ.get("FLUENTAI_FIXTURES")
    if not local.exists() and extra and (Path(extra) / path).exists():
        return Path(extra) / path
    if not local.exists():
        raise FileNotFoundError(f"recording {name} is not in {folder} (copy it there with "
                                f"its provenance: scripts/recordings.py add)")
    return local
