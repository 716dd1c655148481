"""Record real traffic into a cassette that ``load_cassette`` reads back, every credential
redacted: so a plugin author captures recordings instead of writing them.

The recorder sits at the transport seam: a pluggy wrapper around whichever transport
serves a provider (HTTP/1.1, HTTP/2, a plugin's HTTP/3), so it sees the exact request
after auth and the exact response bytes, for every provider and every framing (SSE,
NDJSON, AWS event-stream). Use it as a plugin::

    recorder = Recorder()
    with fluentai.Client(plugins=[recorder]) as client:
        client.chat("openai/gpt-4o-mini", "Say hi")
    recorder.save("tests/recordings/openai/say_hi.yaml")

or ``fluentai record -o cassette.yaml chat MODEL PROMPT``, or the ``fluentai_recorder``
pytest fixture (``fluentai.testing.pytest_plugin``).

Redacted: authorization-style headers (``Authorization``, ``x-api-key``, ``api-key``,
``x-goog-api-key``, AWS SigV4 signatures and ``x-amz-security-token``, cookies), query
parameters that carry keys or signatures, and every secret value the provider holds
(``Provider.secrets()``) or the recorder was given, wherever it appears: URL, headers and
bodies. Bodies are stored as the client saw them after content decoding; text as text,
anything else (an AWS event-stream) as ``!!binary`` base64, where a secret is masked with
as many ``*`` as it has bytes so that frame lengths still hold.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml

from ..hookspecs import hookimpl

REDACTED = "REDACTED"
SECRET_HEADERS = frozenset({
    "authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key",
    "x-amz-security-token", "x-amz-session-token", "cookie", "set-cookie", "x-auth-token",
    "ocp-apim-subscription-key"})
SECRET_QUERY = frozenset({
    "key", "api_key", "api-key", "apikey", "access_token", "token", "sig", "signature",
    "x-amz-signature", "x-amz-security-token", "x-amz-credential"})
_HOP = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection",
                  "keep-alive"})
_BINARY_TYPES = ("eventstream", "octet-stream", "audio/", "image/", "application/pdf")


class Recorder:
    """Collects exchanges, redacted as they complete; ``save`` writes the cassette."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.interactions: list[dict[str, Any]] = []
        self._secrets = [s for s in secrets if s]
        self._lock = threading.Lock()

    @hookimpl(wrapper=True)
    def fluentai_transport(self, provider: Any, is_async: bool, options: Any) -> Any:
        transport = yield
        if transport is None:
            return None
        wrapper = _AsyncRecording if is_async else _Recording
        return wrapper(transport, self, provider)

    def record(self, provider: Any, request: httpx.Request, response: httpx.Response,
               body: bytes) -> None:
        """Add one finished exchange (called when its response body is closed)."""
        held = {*self._secrets, *provider.secrets()}  # shorter is no real key (as scrub)
        secrets = sorted((s for s in held if len(s) >= 8), key=len, reverse=True)
        encoding = response.headers.get("content-encoding")
        if encoding and body:  # stored as the client reads it: the replay server sends it so
            body = httpx.Response(200, headers={"content-encoding": encoding},
                                  content=body).read()
        entry = {
            "request": {
                "method": request.method,
                "uri": _scrub_text(_redact_url(request.url), secrets),
                "headers": _headers(request.headers, secrets),
                "body": _body(request.content, request.headers, secrets) or None,
            },
            "response": {
                "status": {"code": response.status_code, "message": response.reason_phrase},
                "headers": _headers(response.headers, secrets),
                "body": {"string": _body(body, response.headers, secrets)},
            },
        }
        with self._lock:
            self.interactions.append(entry)

    def cassette(self) -> str:
        """The VCR.py-format YAML of everything recorded so far."""
        with self._lock:
            doc = {"interactions": list(self.interactions), "version": 1}
        return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                         width=10 ** 9)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.cassette(), encoding="utf-8")
        return path


class _Recording(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport, recorder: Recorder, provider: Any) -> None:
        self._inner = inner
        self._recorder = recorder
        self._provider = provider

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        response = self._inner.handle_request(request)
        response.stream = _Tee(response.stream, lambda body: self._recorder.record(
            self._provider, request, response, body))
        return response

    def close(self) -> None:
        self._inner.close()


class _AsyncRecording(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, recorder: Recorder,
                 provider: Any) -> None:
        self._inner = inner
        self._recorder = recorder
        self._provider = provider

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        response = await self._inner.handle_async_request(request)
        response.stream = _Tee(response.stream, lambda body: self._recorder.record(
            self._provider, request, response, body))
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Tee(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Passes the body through untouched, keeping a copy; the exchange is recorded once,
    when the body is closed (read to the end, or left early)."""

    def __init__(self, inner: Any, done: Any) -> None:
        self._inner = inner
        self._done = done
        self._chunks: list[bytes] = []
        self._recorded = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            self._chunks.append(chunk)
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            self._chunks.append(chunk)
            yield chunk

    def _finish(self) -> None:
        if not self._recorded:
            self._recorded = True
            self._done(b"".join(self._chunks))

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._finish()

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._finish()


def _redact_url(url: httpx.URL) -> str:
    params = [(k, REDACTED if k.lower() in SECRET_QUERY else v)
              for k, v in url.params.multi_items()]
    return str(url.copy_with(params=params) if params else url)


def _headers(headers: httpx.Headers, secrets: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in headers.multi_items():
        key = name.lower()
        if key in _HOP:
            continue
        shown = REDACTED if key in SECRET_HEADERS else _scrub_text(value, secrets)
        out.setdefault(key, []).append(shown)
    return out


def _body(content: bytes, headers: httpx.Headers, secrets: list[str]) -> str | bytes:
    if not content:
        return ""
    kind = headers.get("content-type", "")
    if not any(t in kind for t in _BINARY_TYPES):
        try:
            return _scrub_text(content.decode("utf-8"), secrets)
        except UnicodeDecodeError:
            pass
    for secret in secrets:  # same length: event-stream frames keep their sizes
        raw = secret.encode()
        content = content.replace(raw, b"*" * len(raw))
    return content


def _scrub_text(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


class _Dumper(yaml.SafeDumper):
    """Multi-line bodies (SSE, NDJSON) as literal blocks where YAML keeps them exact;
    PyYAML falls back to a quoted scalar where it would not."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value,
                                   style="|" if "\n" in value else None)


_Dumper.add_representer(str, _str)
