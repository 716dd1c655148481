"""Map an HTTP error response to the typed error tree (spec/errors.md has the table).

Providers differ in where they put the message; ``error_from_response`` knows the common
shapes (OpenAI's ``{"error": {"message", "type", "code"}}``, Anthropic's, Google's
``{"error": {"status"}}``, plain ``{"message"}`` / ``{"detail"}``), so most plugins never
write error code of their own.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any

import msgspec

from . import errors as e

_CONTEXT_MARKERS = ("context_length", "context length", "maximum context", "too many tokens",
                    "prompt is too long", "input is too long", "exceeds the context window")
_FILTER_MARKERS = ("content_filter", "content_policy", "responsibleaipolicyviolation",
                   "safety")

_BY_STATUS: dict[int, type[e.APIStatusError]] = {
    400: e.InvalidRequestError,
    401: e.AuthenticationError,
    403: e.PermissionDeniedError,
    404: e.NotFoundError,
    408: e.RequestTimeoutError,
    409: e.ConflictError,
    413: e.InvalidRequestError,
    422: e.InvalidRequestError,
    429: e.RateLimitError,
    529: e.OverloadedError,
}

_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid", "apim-request-id",
                       "x-goog-request-id", "cf-ray")


def retry_after(headers: Any, now: float | None = None) -> float | None:
    """Seconds to wait, from ``retry-after-ms``, ``Retry-After`` (seconds or HTTP date) or
    the common rate-limit reset headers."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(float(ms) / 1000.0, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        try:
            return max(float(value), 0.0)
        except ValueError:
            import email.utils  # an HTTP date is rare; the email package is slow to import

            parsed = email.utils.parsedate_to_datetime(value) if value else None
            if parsed is not None:
                return max(parsed.timestamp() - (now if now is not None else time.time()), 0.0)
    for name in ("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens",
                 "anthropic-ratelimit-requests-reset", "x-ratelimit-reset"):
        reset = headers.get(name)
        if reset:
            secs = _duration(reset, now)
            if secs is not None:
                return secs
    return None


_GO_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")


def _duration(text: str, now: float | None) -> float | None:
    """Parse '1s', '6m0s', '250ms', an epoch or an RFC 3339 time into seconds from now."""
    current = now if now is not None else time.time()
    try:
        num = float(text)
        return max(num - current, 0.0) if num > 1e9 else num
    except ValueError:
        pass
    parts = _GO_DURATION.findall(text)
    if parts and "".join(n + u for n, u in parts) == text:
        scale = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
        return sum(float(n) * scale[u] for n, u in parts)
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
    return max(stamp - current, 0.0)


def _message_and_code(body: Any) -> tuple[str | None, str | None]:
    if isinstance(body, list) and body:
        body = body[0]
    if not isinstance(body, dict):
        return (body.strip()[:500] or None) if isinstance(body, str) else None, None
    err = body.get("error", body)
    if isinstance(err, str):
        return err, body.get("code") or body.get("type")
    if not isinstance(err, dict):
        return str(err), None
    msg = err.get("message") or err.get("detail") or body.get("message") or body.get("detail")
    if isinstance(msg, (list, dict)):
        msg = msgspec.json.encode(msg).decode()
    code = err.get("code") or err.get("type") or err.get("status") or body.get("type")
    return (str(msg) if msg is not None else None), (str(code) if code is not None else None)


def parse_body(content: bytes) -> Any:
    try:
        return msgspec.json.decode(content)
    except msgspec.DecodeError:
        return content.decode("utf-8", "replace")


def error_from_response(provider: str, status: int, headers: Any,
                        content: bytes) -> e.APIStatusError:
    """The typed error for an HTTP error response."""
    body = parse_body(content)
    message, code = _message_and_code(body)
    message = message or f"HTTP {status} with no error message"
    lowered = f"{message} {code or ''}".lower()
    cls = _BY_STATUS.get(status) or (e.ServerError if status >= 500 else e.APIStatusError)
    if status == 503 and "overload" in lowered:
        cls = e.OverloadedError
    if cls is e.InvalidRequestError or status == 413:
        if any(m in lowered for m in _CONTEXT_MARKERS):
            cls = e.ContextLengthExceededError
        elif any(m in lowered for m in _FILTER_MARKERS):
            cls = e.ContentFilterError
    if code and "rate_limit" in code and cls is e.APIStatusError:
        cls = e.RateLimitError
    request_id = next((headers.get(h) for h in _REQUEST_ID_HEADERS if headers.get(h)), None)
    kw: dict[str, Any] = dict(provider=provider, status_code=status, body=body,
                              request_id=request_id, code=code)
    if cls is e.RateLimitError:
        wait = retry_after(headers)
        hint = f" Retry after {wait:g}s." if wait is not None else ""
        return e.RateLimitError(f"Rate limited: {message}.{hint}", retry_after=wait, **kw)
    if cls is e.AuthenticationError:
        message = f"{message} (check the API key for {provider})"
    return cls(message, **kw)
