"""Which transport carries a provider's requests.

Transports have names. Core serves ``http1`` and ``http2`` with httpx's pooled transports;
any other name (``http3`` from the fluentai-http3 plugin) comes from a plugin's
``fluentai_transport`` hook. Users choose per client or per provider.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from .errors import ConfigurationError

if TYPE_CHECKING:
    import ssl

# named in the error when no plugin serves the transport
PLUGIN_FOR = {"http3": "fluentai-http3", "aiohttp": "fluentai-aiohttp"}


class TransportOptions(msgspec.Struct, frozen=True, kw_only=True):
    """``verify`` is True, False, a CA bundle path or an ssl.SSLContext. Pool limits are
    per provider; long-lived streams need more connections than httpx's default 100."""

    name: str = "http1"
    verify: Any = True
    max_connections: int | None = 1000
    max_keepalive_connections: int | None = 100
    keepalive_expiry: float | None = 30.0

    def __post_init__(self) -> None:
        if isinstance(self.verify, (str, os.PathLike)) and not os.path.exists(self.verify):
            raise ConfigurationError(f"verify={os.fspath(self.verify)!r}: no such CA bundle "
                                     f"file or directory")

    def ssl_context(self) -> ssl.SSLContext | bool:
        """``verify`` as httpx takes it (a path, a PEM file or a directory of them, becomes
        a context)."""
        if isinstance(self.verify, (str, os.PathLike)):
            import ssl

            path = os.fspath(self.verify)
            folder = os.path.isdir(path)
            try:
                return ssl.create_default_context(cafile=None if folder else path,
                                                  capath=path if folder else None)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigurationError(f"verify={path!r}: not a readable CA bundle "
                                         f"({exc})") from None
        return self.verify  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        return f"TransportOptions(name={self.name!r})"


def options_from(value: Any, default: TransportOptions | None = None,
                 env: Mapping[str, str] | None = None, variable: str = "FLUENTAI_TRANSPORT"
                 ) -> TransportOptions:
    """``transport=`` may be a name, TransportOptions, or None (the environment variable,
    then the default)."""
    if value is None:
        named = (os.environ if env is None else env).get(variable)
        if named:
            value = named
        else:
            return default or TransportOptions()
    if isinstance(value, TransportOptions):
        return value
    if isinstance(value, str):
        base = default or TransportOptions()
        return msgspec.structs.replace(base, name=value.strip().lower())
    raise TypeError(f"transport= takes a name such as 'http2' or TransportOptions, not "
                    f"{type(value).__name__}")


def httpx_transport(options: TransportOptions, is_async: bool, base_url: str = "") -> Any:
    """httpx's pooled transport for ``http1`` / ``http2``; None for any other name."""
    if options.name not in ("http1", "http2"):
        return None
    import httpx

    if options.name == "http2":
        from .optional import requires

        with requires("'fluentai-core[http2]'", "transport='http2'"):
            import h2  # noqa: F401  (httpx would fall back to HTTP/1.1 without a word)
        if base_url.startswith("http://"):
            warnings.warn(f"transport='http2' cannot apply to {base_url}: HTTP/2 is agreed "
                          f"during the TLS handshake, so a plain http:// URL is served over "
                          f"HTTP/1.1", stacklevel=2)

    limits = httpx.Limits(max_connections=options.max_connections,
                          max_keepalive_connections=options.max_keepalive_connections,
                          keepalive_expiry=options.keepalive_expiry)
    cls = httpx.AsyncHTTPTransport if is_async else httpx.HTTPTransport
    return cls(http2=options.name == "http2", verify=options.ssl_context(), limits=limits,
               retries=0)


def missing(name: str) -> ConfigurationError:
    dist = PLUGIN_FOR.get(name, f"a plugin that provides the {name!r} transport")
    return ConfigurationError(f"No installed plugin provides the transport {name!r}: "
                              f"pip install {dist}")
