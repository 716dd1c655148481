"""The typed error tree. Every failure a user can act on has its own class and a message
that says what to do; no message ever contains a secret.

FluentAIError
├── InvalidInputError           what the caller passed cannot be sent (also a ValueError)
├── ConfigurationError          missing key or setting (names the env var)
├── ProviderNotFoundError       unknown provider prefix (suggests the plugin to install)
├── UnsupportedError            the provider does not offer this operation
├── PluginError                 a plugin failed to load (names its distribution)
├── ToolArgumentsError          a tool call's arguments are not valid JSON (keeps the raw text)
├── CircuitOpenError            the provider's circuit is open (says when it retries)
├── APIConnectionError          could not reach the provider
│   └── APITimeoutError         ``phase``: connect, read, write, pool, total or first_token
├── StreamInterruptedError      the stream broke after output arrived (keeps the partial output)
│   ├── MalformedStreamError    a chunk could not be decoded (keeps the raw chunk)
│   └── StreamTimeoutError      a deadline passed mid-stream (also an APITimeoutError)
└── APIStatusError              the provider answered with an error
    ├── InvalidRequestError        400, 422
    │   ├── ContextLengthExceededError  (also a ValueError; raised before sending too)
    │   └── ContentFilterError
    ├── AuthenticationError        401
    ├── PermissionDeniedError      403
    ├── NotFoundError              404 (an unknown model: suggests close names)
    ├── ConflictError              409
    ├── RateLimitError             429 (``retry_after`` seconds)
    └── ServerError                5xx
        └── OverloadedError        529, 503 overloaded
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .types import ChatResponse


class FluentAIError(Exception):
    """Base of every error fluentai raises."""

    retryable: bool = False

    def __init__(self, message: str, *, provider: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.partial: ChatResponse | None = None

    def __str__(self) -> str:
        return f"[{self.provider}] {self.message}" if self.provider else self.message


class InvalidInputError(FluentAIError, ValueError):
    """What the caller passed cannot be sent (an empty conversation, an unknown role, a
    malformed model name, a tool JSON Schema cannot describe...). Raised before any request
    goes out; the message says what to change. ``except ValueError`` catches it too."""


class ConfigurationError(FluentAIError):
    def __init__(self, message: str, *, provider: str | None = None,
                 env_var: str | None = None) -> None:
        super().__init__(message, provider=provider)
        self.env_var = env_var


class ProviderNotFoundError(FluentAIError):
    pass


class UnsupportedError(FluentAIError):
    """The provider (or its plugin) does not offer this operation or setting."""


class PluginError(FluentAIError):
    def __init__(self, message: str, *, distribution: str | None = None) -> None:
        super().__init__(message)
        self.distribution = distribution


class ToolArgumentsError(FluentAIError):
    def __init__(self, message: str, *, provider: str | None = None, tool_call_id: str = "",
                 tool_name: str = "", raw_arguments: str = "") -> None:
        super().__init__(message, provider=provider)
        self.tool_call_id = tool_call_id
        self.tool_name = tool_name
        self.raw_arguments = raw_arguments


class CircuitOpenError(FluentAIError):
    """Fails fast (not retried on the same provider); fallbacks move on to the next model."""

    def __init__(self, message: str, *, provider: str | None = None,
                 retry_at: float = 0.0) -> None:
        super().__init__(message, provider=provider)
        self.retry_at = retry_at


class APIConnectionError(FluentAIError):
    retryable = True


class APITimeoutError(APIConnectionError):
    """``phase`` names the limit that ran out. An exhausted total budget is final."""

    def __init__(self, message: str, *, provider: str | None = None,
                 phase: str = "read") -> None:
        super().__init__(message, provider=provider)
        self.phase = phase
        if phase == "total":
            self.retryable = False


class StreamInterruptedError(FluentAIError):
    """The stream stopped early; ``partial`` holds what arrived before it did."""

    def __init__(self, message: str, *, provider: str | None = None) -> None:
        super().__init__(message, provider=provider)
        self.pending_tool_calls: dict[str, str] = {}


class StreamTimeoutError(StreamInterruptedError, APITimeoutError):
    """A deadline passed after output reached the caller; ``partial`` holds that output."""

    retryable = False

    def __init__(self, message: str, *, provider: str | None = None,
                 phase: str = "total") -> None:
        super().__init__(message, provider=provider)
        self.phase = phase


class MalformedStreamError(StreamInterruptedError):
    def __init__(self, message: str, *, provider: str | None = None, raw: bytes = b"") -> None:
        super().__init__(message, provider=provider)
        self.raw = raw


class APIStatusError(FluentAIError):
    """The provider answered with an HTTP error; ``body`` is its parsed error body."""

    def __init__(self, message: str, *, provider: str | None = None, status_code: int = 0,
                 body: Any = None, request_id: str | None = None,
                 code: str | None = None) -> None:
        super().__init__(message, provider=provider)
        self.status_code = status_code
        self.body = body
        self.request_id = request_id
        self.code = code

    def __str__(self) -> str:
        base = super().__str__()
        rid = f" (request id {self.request_id})" if self.request_id else ""
        status = f" [HTTP {self.status_code}]" if self.status_code else ""  # 0: never sent
        return f"{base}{status}{rid}"


class InvalidRequestError(APIStatusError):
    pass


class ContextLengthExceededError(InvalidRequestError, ValueError):
    """The prompt does not fit the model's context window. Either the provider said so, or
    the client knew before sending: its (deliberately low) estimate of the prompt's tokens,
    ``estimated_tokens``, exceeds the ``context_window`` the catalog gives the model
    (``status_code`` 0: nothing was sent)."""

    def __init__(self, message: str, *, estimated_tokens: int | None = None,
                 context_window: int | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.estimated_tokens = estimated_tokens
        self.context_window = context_window


class ContentFilterError(InvalidRequestError):
    pass


class AuthenticationError(APIStatusError):
    pass


class PermissionDeniedError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class ConflictError(APIStatusError):
    retryable = True


class RateLimitError(APIStatusError):
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    retryable = True


class OverloadedError(ServerError):
    pass


class RequestTimeoutError(APIStatusError):
    """HTTP 408 from the provider."""

    retryable = True
