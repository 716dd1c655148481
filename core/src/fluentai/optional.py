"""Optional dependencies. A missing one is a ConfigurationError that names the command
installing it, raised where the feature is first used, never a bare ModuleNotFoundError
from deep inside a call (or a silent fallback)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .errors import ConfigurationError


@contextmanager
def requires(install: str, feature: str) -> Iterator[None]:
    """Imports inside the block belong to ``feature``; if one is missing, say how to
    install it: ``with requires("'fluentai-core[otel]'", "setup_tracing"): import ...``."""
    try:
        yield
    except ImportError as exc:
        missing = f"the module {exc.name}" if exc.name else "a module"
        raise ConfigurationError(f"{feature} needs {missing}, which is not installed: "
                                 f"pip install {install}") from exc
